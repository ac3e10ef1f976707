//! The shipped label catalogues: every rule scheme's stable codes with their English and
//! Chinese names, and the two shipped named-segment tables. Users rename labels and edit the
//! segment tables in `kehu.toml`; these are the defaults `kehu init` writes out.

use super::schemes::{SegmentSpec, range};

/// (code, English, Chinese) of one label.
pub type LabelRow = (&'static str, &'static str, &'static str);

/// Value tiers.
pub const VALUE_TIER: &[LabelRow] = &[
    ("high", "High value", "高价值客户"),
    ("mid", "Mid value", "中价值客户"),
    ("low", "Low value", "低价值客户"),
];

/// ABC (Pareto) classes.
pub const ABC: &[LabelRow] = &[
    ("a", "A (top revenue)", "A类客户"),
    ("b", "B", "B类客户"),
    ("c", "C", "C类客户"),
];

/// The Chinese 8-class RFM, in R/F/M high-low order.
pub const RFM8: &[LabelRow] = &[
    ("important_value", "Important value", "重要价值客户"),
    ("important_develop", "Important to develop", "重要发展客户"),
    ("important_retain", "Important to retain", "重要保持客户"),
    ("important_winback", "Important to win back", "重要挽留客户"),
    ("general_value", "General value", "一般价值客户"),
    ("general_develop", "General to develop", "一般发展客户"),
    ("general_retain", "General to retain", "一般保持客户"),
    ("general_winback", "General to win back", "一般挽留客户"),
];

/// Lifecycle stages, in the order of `kehu_models::Stage::ALL`.
pub const LIFECYCLE: &[LabelRow] = &[
    ("potential", "Potential", "潜在客户"),
    ("new", "New", "新客户"),
    ("active", "Active", "活跃客户"),
    ("reactivated", "Reactivated", "回流客户"),
    ("dormant", "Dormant / at risk", "沉睡客户"),
    ("churned", "Churned", "流失客户"),
];

/// Purchase frequency classes.
pub const FREQUENCY_CLASS: &[LabelRow] = &[
    ("high", "High frequency", "高频客户"),
    ("low", "Low frequency", "低频客户"),
];

/// Consumption capacity (average order value).
pub const CAPACITY: &[LabelRow] = &[
    ("high", "High spending power", "高消费能力"),
    ("mid", "Mid spending power", "中消费能力"),
    ("low", "Low spending power", "低消费能力"),
];

/// Price sensitivity (share of orders with a discount).
pub const PRICE_SENSITIVITY: &[LabelRow] = &[
    ("insensitive", "Price insensitive", "价格不敏感"),
    ("moderate", "Moderately price sensitive", "价格较敏感"),
    ("sensitive", "Price sensitive", "价格敏感"),
];

/// Satisfaction classes.
pub const SATISFACTION: &[LabelRow] = &[
    ("high", "High satisfaction", "高满意度"),
    ("low", "Low satisfaction", "低满意度"),
];

/// NPS classes.
pub const NPS: &[LabelRow] = &[
    ("promoter", "Promoter", "推荐者"),
    ("passive", "Passive", "被动者"),
    ("detractor", "Detractor", "贬损者"),
];

/// Churn risk from the predicted P(alive).
pub const CHURN_RISK: &[LabelRow] = &[
    ("low", "Low churn risk", "流失风险低"),
    ("medium", "Medium churn risk", "流失风险中"),
    ("high", "High churn risk", "流失风险高"),
];

/// Predicted-CLV tiers.
pub const CLV_TIER: &[LabelRow] = &[
    ("high", "High predicted value", "高预测价值"),
    ("mid", "Mid predicted value", "中预测价值"),
    ("low", "Low predicted value", "低预测价值"),
];

/// Key versus general customers.
pub const KEY_CUSTOMER: &[LabelRow] = &[
    ("key", "Key customer", "重点客户"),
    ("general", "General customer", "一般客户"),
];

/// Quadrants of the value matrix: (x high, y high), (x high, y low), (x low, y high), (x low,
/// y low).
pub const VALUE_MATRIX: &[LabelRow] = &[
    (
        "star",
        "Stars: high value, growing",
        "明星客户（高价值·增长）",
    ),
    (
        "maintain",
        "Maintain: high value, slowing",
        "维持客户（高价值·下滑）",
    ),
    (
        "develop",
        "Develop: low value, growing",
        "发展客户（低价值·增长）",
    ),
    (
        "observe",
        "Observe: low value, slowing",
        "观察客户（低价值·下滑）",
    ),
];

/// The label of customers a scheme has nothing to judge by (no orders, no feedback, no
/// category, no age).
pub const NOT_APPLICABLE: LabelRow = ("none", "Not applicable", "不适用");

/// The label of customers no named segment matches.
pub const OTHER: LabelRow = ("other", "Other", "其他");

fn seg(code: &str, en: &str, zh: &str, r: [u8; 2], f: [u8; 2], m: [u8; 2]) -> SegmentSpec {
    SegmentSpec {
        code: code.into(),
        en: en.into(),
        zh: zh.into(),
        r: Some(range(r)),
        f: Some(range(f)),
        m: Some(range(m)),
        fm: None,
    }
}

fn grid(code: &str, en: &str, zh: &str, r: [u8; 2], fm: [u8; 2]) -> SegmentSpec {
    SegmentSpec {
        code: code.into(),
        en: en.into(),
        zh: zh.into(),
        r: Some(range(r)),
        f: None,
        m: None,
        fm: Some(range(fm)),
    }
}

/// The ten segments of the R `rfm` package (`rfm_segment`'s documented example bounds),
/// first match wins.
pub fn rfm_package_segments() -> Vec<SegmentSpec> {
    vec![
        seg("champions", "Champions", "冠军客户", [4, 5], [4, 5], [4, 5]),
        seg(
            "loyal",
            "Loyal customers",
            "忠诚客户",
            [2, 5],
            [3, 5],
            [3, 5],
        ),
        seg(
            "potential_loyalist",
            "Potential loyalist",
            "潜在忠诚客户",
            [3, 5],
            [1, 3],
            [1, 3],
        ),
        seg("new", "New customers", "新客户", [4, 5], [1, 1], [1, 1]),
        seg(
            "promising",
            "Promising",
            "有潜力客户",
            [3, 4],
            [1, 1],
            [1, 1],
        ),
        seg(
            "need_attention",
            "Need attention",
            "需要关注客户",
            [2, 3],
            [2, 3],
            [2, 3],
        ),
        seg(
            "about_to_sleep",
            "About to sleep",
            "即将沉睡客户",
            [2, 3],
            [1, 2],
            [1, 2],
        ),
        seg(
            "at_risk",
            "At risk",
            "有流失风险客户",
            [1, 2],
            [2, 5],
            [2, 5],
        ),
        seg(
            "cant_lose",
            "Can't lose them",
            "不能失去的客户",
            [1, 1],
            [4, 5],
            [4, 5],
        ),
        seg("lost", "Lost", "已流失客户", [1, 2], [1, 2], [1, 2]),
    ]
}

/// The eleven groups of the R × (F+M)/2 grid used by Shopify-style RFM reports, first match
/// wins; every score combination falls in one of them.
pub fn rfm_grid_segments() -> Vec<SegmentSpec> {
    vec![
        grid("champions", "Champions", "冠军客户", [4, 5], [4, 5]),
        grid("loyal", "Loyal", "忠诚客户", [2, 5], [3, 5]),
        grid(
            "potential_loyalist",
            "Potential loyalist",
            "潜在忠诚客户",
            [3, 5],
            [1, 3],
        ),
        grid("recent", "Recent customers", "新近客户", [4, 5], [0, 1]),
        grid("promising", "Promising", "有潜力客户", [3, 4], [0, 1]),
        grid(
            "needs_attention",
            "Needs attention",
            "需要关注客户",
            [2, 3],
            [2, 3],
        ),
        grid(
            "about_to_sleep",
            "About to sleep",
            "即将沉睡客户",
            [2, 3],
            [0, 2],
        ),
        grid("at_risk", "At risk", "有流失风险客户", [0, 2], [2, 5]),
        grid(
            "cant_lose",
            "Can't lose them",
            "不能失去的客户",
            [0, 1],
            [4, 5],
        ),
        grid("hibernating", "Hibernating", "休眠客户", [1, 2], [1, 2]),
        grid("lost", "Lost", "已流失客户", [0, 2], [0, 2]),
    ]
}

/// Customers whose top category holds less than the configured share of their sales.
pub const MIXED: LabelRow = ("mixed", "Mixed categories", "多品类");

//! Schemes of behaviour and profile: lifecycle, price sensitivity, category preference,
//! satisfaction, NPS, age bands and groupings by a text feature.

use super::{SchemeOutcome, SchemeRow, info, label_of, labels_with_none, num, skipped};
use crate::config::{
    AgeBandConfig, CategoryConfig, GroupingConfig, LifecycleConfig, NOT_APPLICABLE, NpsConfig,
    PriceSensitivityConfig, SatisfactionConfig, catalogue,
};
use crate::feature_frame::FeatureFrame;
use kehu_domain::{Label, Labelling, Note};
use kehu_models::{History, LifecycleParams, Stage, edge_bands};
use std::collections::BTreeMap;

const LIFECYCLE: SchemeRow = ("lifecycle", "Lifecycle stage", "生命周期阶段");
const PRICE: SchemeRow = ("price_sensitivity", "Price sensitivity", "价格敏感度");
const CATEGORY: SchemeRow = ("category_preference", "Category preference", "需求偏好");
const SATISFACTION: SchemeRow = ("satisfaction", "Satisfaction", "满意度");
const NPS: SchemeRow = ("nps", "NPS class", "NPS 分类");
const AGE_BAND: SchemeRow = ("age_band", "Age band", "年龄段");
/// The gender grouping.
pub(crate) const GENDER: SchemeRow = ("gender_group", "Gender", "性别");

/// The names of the genders the importer normalises to (`男`, `F`, `女士` …): code, English,
/// Chinese.
const GENDER_NAMES: &[(&str, &str, &str)] = &[("male", "Male", "男"), ("female", "Female", "女")];
/// The region grouping.
pub(crate) const REGION: SchemeRow = ("region_group", "Region", "地区");

fn column(frame: &FeatureFrame, name: &str) -> Vec<f64> {
    frame
        .numeric(name)
        .unwrap_or_else(|| vec![f64::NAN; frame.len()])
}

/// Lifecycle stages with fixed and rhythm-relative thresholds.
pub(crate) fn lifecycle(frame: &FeatureFrame, c: &LifecycleConfig) -> SchemeOutcome {
    let params = LifecycleParams {
        new_days: c.new_days,
        dormant_days: c.dormant_days,
        churned_days: c.churned_days,
        rhythm_min_orders: c.rhythm_min_orders,
        dormant_rhythm: c.dormant_rhythm,
        churned_rhythm: c.churned_rhythm,
        rhythm_floor_days: c.rhythm_floor_days,
    };
    let (orders, recency, tenure) = (
        column(frame, "orders"),
        column(frame, "recency_days"),
        column(frame, "tenure_days"),
    );
    let (mean, gap) = (
        column(frame, "interval_mean_days"),
        column(frame, "last_gap_days"),
    );
    let assigned = (0..frame.len())
        .map(|i| {
            let h = History {
                orders: if orders[i].is_nan() {
                    0
                } else {
                    orders[i] as u64
                },
                recency_days: recency[i],
                tenure_days: tenure[i],
                interval_mean_days: mean[i],
                last_gap_days: gap[i],
            };
            let stage = params.stage(&h);
            Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0) as u32
        })
        .collect();
    SchemeOutcome::Done(Labelling {
        scheme: info(LIFECYCLE),
        labels: super::resolve(catalogue::LIFECYCLE, &c.labels),
        assigned,
        notes: vec![Note::new(
            format!(
                "New: first order within {} days. Dormant after {} days without an order, churned after {}; customers with {}+ orders after {}× and {}× their own mean interval (at least {} days).",
                num(c.new_days),
                num(c.dormant_days),
                num(c.churned_days),
                c.rhythm_min_orders,
                num(c.dormant_rhythm),
                num(c.churned_rhythm),
                num(c.rhythm_floor_days)
            ),
            format!(
                "新客户：首单在 {} 天内。超过 {} 天未购买为沉睡，超过 {} 天为流失；订单数达 {} 的客户按自身平均购买间隔的 {} 倍和 {} 倍判断（至少 {} 天）。",
                num(c.new_days),
                num(c.dormant_days),
                num(c.churned_days),
                c.rhythm_min_orders,
                num(c.dormant_rhythm),
                num(c.churned_rhythm),
                num(c.rhythm_floor_days)
            ),
        )],
    })
}

/// Price sensitivity from the share of orders with a discount.
pub(crate) fn price_sensitivity(frame: &FeatureFrame, c: &PriceSensitivityConfig) -> SchemeOutcome {
    if !frame.has_values("discount_share") {
        return skipped(
            PRICE,
            "no discount column in the transactions",
            "交易数据中没有折扣列",
        );
    }
    // A buyer without any discount value bought at full price: share 0, not unknown.
    let judged = super::buyers(frame);
    let share: Vec<f64> = column(frame, "discount_share")
        .into_iter()
        .zip(&judged)
        .map(|(s, &buyer)| if buyer && s.is_nan() { 0.0 } else { s })
        .collect();
    let bands = edge_bands(&share, &c.edges);
    let assigned = (0..frame.len())
        .map(|i| if !judged[i] { 3 } else { bands[i] as u32 })
        .collect();
    SchemeOutcome::Done(Labelling {
        scheme: info(PRICE),
        labels: labels_with_none(catalogue::PRICE_SENSITIVITY, &c.labels),
        assigned,
        notes: vec![Note::new(
            format!(
                "Share of orders with a discount: up to {} insensitive, up to {} moderate, above sensitive.",
                num(c.edges[0]),
                num(c.edges[1])
            ),
            format!(
                "有折扣订单占比：不超过 {} 为不敏感，不超过 {} 为较敏感，更高为敏感。",
                num(c.edges[0]),
                num(c.edges[1])
            ),
        )],
    })
}

/// Builds a labelling whose labels are the values themselves (most common first, ties by
/// name), with `other` beyond `max_groups` and `none` for missing values.
/// `names`: English and Chinese names of known values (code, en, zh); any other value is
/// its own name.
fn by_value(
    row: SchemeRow,
    values: &[Option<String>],
    max_groups: usize,
    extra: &[crate::config::LabelRow],
    names: &[(&str, &str, &str)],
    notes: Vec<Note>,
) -> SchemeOutcome {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    // Values standing for an extra label (`mixed`) are that label, not a group of their own.
    for v in values.iter().flatten() {
        if !extra.iter().any(|e| e.0 == v.as_str()) {
            *counts.entry(v.as_str()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, u64)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kept: Vec<&str> = ranked.iter().take(max_groups).map(|(v, _)| *v).collect();
    let mut labels: Vec<Label> = kept
        .iter()
        .map(|v| match names.iter().find(|(code, _, _)| code == v) {
            Some((code, en, zh)) => Label::new(*code, *en, *zh),
            None => Label::new(*v, *v, *v),
        })
        .collect();
    let other = labels.len() as u32;
    let has_other = ranked.len() > kept.len();
    if has_other {
        labels.push(label_of(catalogue::OTHER, None));
    }
    let fixed = labels.len() as u32;
    for e in extra {
        labels.push(label_of(*e, None));
    }
    let none = labels.len() as u32;
    labels.push(label_of(NOT_APPLICABLE, None));
    let index: BTreeMap<&str, u32> = kept
        .iter()
        .enumerate()
        .map(|(i, v)| (*v, i as u32))
        .collect();
    let assigned = values
        .iter()
        .map(|v| match v {
            None => none,
            Some(v) if !extra.is_empty() && v == catalogue::MIXED.0 => fixed,
            Some(v) => index.get(v.as_str()).copied().unwrap_or(other),
        })
        .collect();
    SchemeOutcome::Done(Labelling {
        scheme: info(row),
        labels,
        assigned,
        notes,
    })
}

/// Category preference: the top category when it holds at least `min_share` of sales.
pub(crate) fn category_preference(frame: &FeatureFrame, c: &CategoryConfig) -> SchemeOutcome {
    if !frame.has_values("top_category") {
        return skipped(
            CATEGORY,
            "no category column in the transactions",
            "交易数据中没有品类列",
        );
    }
    let top = frame.text("top_category").unwrap_or_default();
    let share = column(frame, "top_category_share");
    let values: Vec<Option<String>> = top
        .into_iter()
        .zip(&share)
        .map(|(t, &s)| {
            t.map(|t| {
                if s >= c.min_share {
                    t
                } else {
                    catalogue::MIXED.0.to_string()
                }
            })
        })
        .collect();
    let pct = num(c.min_share * 100.0);
    by_value(
        CATEGORY,
        &values,
        20,
        &[catalogue::MIXED],
        &[],
        vec![Note::new(
            format!(
                "The top category by sales when it holds at least {pct}% of them; otherwise mixed."
            ),
            format!("消费额最高且占比至少 {pct}% 的品类；否则为多品类。"),
        )],
    )
}

/// Satisfaction high / low from the mean CSAT.
pub(crate) fn satisfaction(frame: &FeatureFrame, c: &SatisfactionConfig) -> SchemeOutcome {
    if !frame.has_values("csat_mean") {
        return skipped(
            SATISFACTION,
            "no CSAT scores in the feedback",
            "反馈数据中没有满意度评分",
        );
    }
    let csat = column(frame, "csat_mean");
    let assigned = csat
        .iter()
        .map(|&v| {
            if v.is_nan() {
                2
            } else if v >= c.high_from {
                0
            } else {
                1
            }
        })
        .collect();
    SchemeOutcome::Done(Labelling {
        scheme: info(SATISFACTION),
        labels: labels_with_none(catalogue::SATISFACTION, &c.labels),
        assigned,
        notes: vec![Note::new(
            format!("High: mean CSAT at least {}.", num(c.high_from)),
            format!("高满意度：平均满意度评分不低于 {}。", num(c.high_from)),
        )],
    })
}

/// NPS promoter / passive / detractor from the last answer.
pub(crate) fn nps(frame: &FeatureFrame, c: &NpsConfig) -> SchemeOutcome {
    if !frame.has_values("nps_last") {
        return skipped(
            NPS,
            "no NPS answers in the feedback",
            "反馈数据中没有 NPS 评分",
        );
    }
    let nps = column(frame, "nps_last");
    let assigned = nps
        .iter()
        .map(|&v| {
            if v.is_nan() {
                3
            } else if v >= c.promoter_from {
                0
            } else if v >= c.passive_from {
                1
            } else {
                2
            }
        })
        .collect();
    SchemeOutcome::Done(Labelling {
        scheme: info(NPS),
        labels: labels_with_none(catalogue::NPS, &c.labels),
        assigned,
        notes: vec![Note::new(
            format!(
                "Last NPS answer: {}–10 promoter, {}–{} passive, below detractor.",
                num(c.promoter_from),
                num(c.passive_from),
                num(c.promoter_from - 1.0)
            ),
            format!(
                "最近一次 NPS：{}–10 为推荐者，{}–{} 为被动者，更低为贬损者。",
                num(c.promoter_from),
                num(c.passive_from),
                num(c.promoter_from - 1.0)
            ),
        )],
    })
}

/// Age bands from the edges.
pub(crate) fn age_band(frame: &FeatureFrame, c: &AgeBandConfig) -> SchemeOutcome {
    if !frame.has_values("age") {
        return skipped(
            AGE_BAND,
            "no ages (a customers file with age or birth date)",
            "没有年龄数据（客户文件中的年龄或出生日期）",
        );
    }
    let age = column(frame, "age");
    let mut labels: Vec<Label> = Vec::new();
    for i in 0..=c.edges.len() {
        let (code, text) = match i {
            0 => (
                format!("under_{}", num(c.edges[0])),
                format!("<{}", num(c.edges[0])),
            ),
            i if i == c.edges.len() => (
                format!("{}_plus", num(c.edges[i - 1])),
                format!("{}+", num(c.edges[i - 1])),
            ),
            i => (
                format!("{}_{}", num(c.edges[i - 1]), num(c.edges[i])),
                format!("{}–{}", num(c.edges[i - 1]), num(c.edges[i])),
            ),
        };
        labels.push(Label::new(code, text.clone(), text));
    }
    let none = labels.len() as u32;
    labels.push(label_of(NOT_APPLICABLE, None));
    // Band i holds edges[i-1] ≤ age < edges[i].
    let assigned = age
        .iter()
        .map(|&a| {
            if a.is_nan() {
                none
            } else {
                c.edges.iter().take_while(|&&e| e <= a).count() as u32
            }
        })
        .collect();
    SchemeOutcome::Done(Labelling {
        scheme: info(AGE_BAND),
        labels,
        assigned,
        notes: vec![],
    })
}

/// A grouping by the values of a text feature.
pub(crate) fn grouping(
    frame: &FeatureFrame,
    row: SchemeRow,
    feature: &str,
    c: &GroupingConfig,
) -> SchemeOutcome {
    if !frame.has_values(feature) {
        return skipped(
            row,
            &format!("no `{feature}` values in the data"),
            &format!("数据中没有 `{feature}` 的值"),
        );
    }
    let values: Vec<Option<String>> = frame
        .text(feature)
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
        .collect();
    let names = if feature == "gender" {
        GENDER_NAMES
    } else {
        &[]
    };
    by_value(row, &values, c.max_groups, &[], names, vec![])
}

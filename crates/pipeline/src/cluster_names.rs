//! Names for learned clusters from their profile: each feature whose cluster mean lies at
//! least half a standard deviation from the population's gives a word ("recent", "frequent",
//! "high spend"), in both languages, in the order of the configured features.

/// A cluster's display names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClusterName {
    pub en: String,
    pub zh: String,
}

/// How far (in standard deviations) a cluster mean must lie from the population's to earn a
/// word, and to earn "very" (极).
const NOTABLE: f64 = 0.5;
const EXTREME: f64 = 1.5;

/// (feature, en when high, zh when high, en when low, zh when low).
const WORDS: &[(&str, &str, &str, &str, &str)] = &[
    ("recency_days", "lapsed", "久未购买", "recent", "近期活跃"),
    ("orders", "frequent", "高频", "infrequent", "低频"),
    ("revenue", "high spend", "高消费", "low spend", "低消费"),
    ("aov", "big baskets", "大单", "small baskets", "小单"),
    ("tenure_days", "long-standing", "老客", "new", "新客"),
    (
        "return_rate",
        "many returns",
        "退货多",
        "few returns",
        "退货少",
    ),
    (
        "discount_share",
        "deal-driven",
        "爱用优惠",
        "full-price",
        "少用优惠",
    ),
    (
        "categories",
        "broad range",
        "品类广",
        "narrow range",
        "品类窄",
    ),
    (
        "revenue_trend",
        "growing",
        "消费上升",
        "declining",
        "消费下降",
    ),
    (
        "clv",
        "high predicted value",
        "预测价值高",
        "low predicted value",
        "预测价值低",
    ),
    (
        "p_alive",
        "likely active",
        "大概率活跃",
        "likely gone",
        "大概率流失",
    ),
];

/// `C<n> word, word` / `C<n> 词·词`; "average" when no feature stands out. `index` is the
/// 0-based cluster number, `z` the cluster mean of each feature in standard deviations and
/// `means` in the feature's own unit (a negative mean revenue reads "net refunds").
pub(crate) fn name_cluster(
    index: usize,
    features: &[String],
    z: &[f64],
    means: &[f64],
) -> ClusterName {
    let mut en = Vec::new();
    let mut zh = Vec::new();
    for ((feature, &value), &mean) in features.iter().zip(z).zip(means) {
        if feature == "revenue" && mean < 0.0 {
            en.push("net refunds".to_string());
            zh.push("净退款".to_string());
            continue;
        }
        if value.abs() < NOTABLE {
            continue;
        }
        let high = value > 0.0;
        let (very_en, very_zh) = if value.abs() >= EXTREME {
            ("very ", "极")
        } else {
            ("", "")
        };
        match WORDS.iter().find(|w| w.0 == feature) {
            Some(&(_, high_en, high_zh, low_en, low_zh)) => {
                en.push(format!("{very_en}{}", if high { high_en } else { low_en }));
                zh.push(format!("{very_zh}{}", if high { high_zh } else { low_zh }));
            }
            None => {
                en.push(format!("{} {feature}", if high { "high" } else { "low" }));
                zh.push(format!("{feature}{}", if high { "高" } else { "低" }));
            }
        }
    }
    if en.is_empty() {
        en.push("average".into());
        zh.push("各项居中".into());
    }
    let n = index + 1;
    ClusterName {
        en: format!("C{n} {}", en.join(", ")),
        zh: format!("C{n} {}", zh.join("·")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notable_features_name_the_cluster() {
        let features: Vec<String> = ["recency_days", "orders", "revenue", "aov", "sessions"]
            .map(String::from)
            .to_vec();
        let means = [10.0, 5.0, 900.0, 80.0, 3.0];
        let name = name_cluster(0, &features, &[-1.2, 0.9, 1.6, 0.1, -0.7], &means);
        assert_eq!(
            name.en,
            "C1 recent, frequent, very high spend, low sessions"
        );
        assert_eq!(name.zh, "C1 近期活跃·高频·极高消费·sessions低");
        let plain = name_cluster(2, &features, &[0.1, -0.2, 0.3, 0.0, 0.4], &means);
        assert_eq!(plain.en, "C3 average");
        let refunds = name_cluster(
            4,
            &features,
            &[1.0, -0.6, -3.0, 0.0, 0.0],
            &[200.0, 1.0, -40.0, -40.0, 0.0],
        );
        assert_eq!(refunds.en, "C5 lapsed, infrequent, net refunds");
    }
}

//! `kehu init`: a complete, commented `kehu.toml` for the files a user has.
//!
//! The scheme sections are serialised from `Config::default()`, so every default is visible
//! and the file cannot drift from the code; comments are attached by key path.

use super::{
    ClusterConfig, CompareConfig, Config, PlaybookConfig, PredictConfig, RfmConfig, RunConfig,
    SchemesConfig, SourceConfig, TreeConfig,
};
use serde::Serialize;

/// What `kehu init` learned about one input file.
#[derive(Debug, Clone)]
pub struct InitSource {
    /// The source as the config will hold it (path relative to the config, detected mapping).
    pub source: SourceConfig,
    /// Detected table kind.
    pub kind: String,
    /// Detected encoding, delimiter and format, for a comment.
    pub detected: String,
    /// A customers file's other columns, kept as attributes: (column name, header).
    pub attributes: Vec<(String, String)>,
}

/// Comments attached after `key = …` lines and before `[table]` headers, by dotted path.
const COMMENTS: &[(&str, &str)] = &[
    (
        "run.as_of",
        "\"auto\" = the day after the last transaction; or \"YYYY-MM-DD\" (exclusive)",
    ),
    (
        "run.time_unit",
        "unit of bt_t_x / bt_T (BTYD summary): \"days\" or \"weeks\"",
    ),
    (
        "run.trend_days",
        "revenue_trend = revenue of the last N days − the N days before",
    ),
    ("run.out", "run directory; {as_of} is replaced by the date"),
    (
        "run.formats",
        "besides customers.parquet: \"csv\", \"xlsx\"",
    ),
    ("rfm", "RFM 1–5 scores: r_score, f_score, m_score"),
    (
        "rfm.method",
        "\"quantile\": (rank_min − 1) × 5 ÷ n + 1, ties share the lowest rank; \"bins\": the edges below",
    ),
    (
        "rfm.r_edges",
        "bins: days since last order; ≤ 30 scores 5, > 365 scores 1",
    ),
    ("rfm.f_edges", "bins: orders; ≤ 1 scores 1, > 8 scores 5"),
    (
        "rfm.m_edges",
        "bins: net revenue; ≤ 100 scores 1, > 5000 scores 5",
    ),
    ("schemes.value_tier", "Value tiers 高/中/低价值客户"),
    (
        "schemes.value_tier.method",
        "\"rank\" (shares of customers), \"revenue_share\" (shares of revenue) or \"thresholds\" (revenue amounts)",
    ),
    (
        "schemes.value_tier.cuts",
        "rank: top 20% high, next 30% mid; thresholds: [high_from, mid_from]",
    ),
    (
        "schemes.abc",
        "ABC (Pareto): A = customers making the first 80% of revenue, B the next 15%",
    ),
    (
        "schemes.rfm_segment",
        "The R `rfm` package's ten segments; first match wins, the rest are \"other\"",
    ),
    (
        "schemes.rfm_grid",
        "Eleven groups on the R × (F+M)/2 grid (Shopify-style); covers every score",
    ),
    (
        "schemes.rfm8",
        "Chinese 8-class RFM 八类客户: R, F, M high or low",
    ),
    (
        "schemes.rfm8.against",
        "\"mean\", \"median\" or a number; r_against / f_against / m_against override per axis",
    ),
    (
        "schemes.lifecycle",
        "Lifecycle 生命周期: potential, new, active, reactivated, dormant, churned",
    ),
    (
        "schemes.lifecycle.rhythm_min_orders",
        "customers with this many orders are judged by their own mean interval",
    ),
    (
        "schemes.frequency_class",
        "High / low purchase frequency 高频/低频",
    ),
    (
        "schemes.frequency_class.against",
        "more orders than this is high: \"mean\", \"median\" or a number",
    ),
    (
        "schemes.capacity",
        "Consumption capacity 消费能力 by average order value",
    ),
    (
        "schemes.price_sensitivity",
        "Price sensitivity 价格敏感度 (needs a discount column)",
    ),
    (
        "schemes.price_sensitivity.edges",
        "share of orders with a discount: ≤ 0 insensitive, ≤ 0.5 moderate",
    ),
    (
        "schemes.category_preference",
        "Category preference 需求偏好: the top category (needs a category column)",
    ),
    (
        "schemes.satisfaction",
        "Satisfaction 满意度 from the mean CSAT (needs feedback)",
    ),
    (
        "schemes.nps",
        "NPS class from the last NPS answer (needs feedback)",
    ),
    ("schemes.key_customer", "Key customers 重点客户 / 一般客户"),
    (
        "schemes.key_customer.revenue_share",
        "the customers who together make the first half of revenue",
    ),
    (
        "schemes.value_matrix",
        "Two-axis value matrix 客户细分矩阵: any two features, four quadrants",
    ),
    (
        "schemes.age_band",
        "Age bands (needs ages in a customers file)",
    ),
    ("schemes.gender", "Gender grouping (needs a customers file)"),
    ("schemes.region", "Region grouping"),
    (
        "schemes.churn_risk",
        "Churn risk 流失风险 from the predicted P(alive) (needs [predict])",
    ),
    (
        "schemes.clv_tier",
        "Predicted-CLV tier 预测价值 high/mid/low (needs [predict])",
    ),
    (
        "predict",
        "Predictions: BG/NBD-family purchase model + Gamma-Gamma spend model → p_alive, expected_purchases_<N>d, p_no_purchase_<N>d, next_order_date, expected_spend, clv (docs/models.md)",
    ),
    (
        "predict.model",
        "\"bg_nbd\", \"mbg_nbd\", \"pareto_nbd\", or \"auto\" (smallest error in a backtest on the last holdout_days)",
    ),
    (
        "predict.horizons_days",
        "one expected_purchases_<N>d column per horizon",
    ),
    (
        "predict.clv_months",
        "CLV horizon; a month is 365.25/12 days",
    ),
    ("predict.discount_rate", "per month, compounding"),
    (
        "predict.churn_risk_alive",
        "P(alive) below the first value: high risk; below the second: medium; else low",
    ),
    (
        "predict.clv_tier_cuts",
        "top 20% of customers by CLV: high; next 30%: mid; rest: low",
    ),
    (
        "cluster",
        "Learned segments: k-means (scheme cluster) and Ward (scheme ward_cluster) on these features, named from their profile (docs/learning.md)",
    ),
    (
        "cluster.transform",
        "\"log1p\" = sign(x)·ln(1+|x|) before standardising, or \"none\"",
    ),
    (
        "cluster.k",
        "0 = choose k over k_range by the silhouette (elbow and Calinski–Harabasz reported too)",
    ),
    (
        "cluster.algorithm",
        "\"full\", \"minibatch\", or \"auto\" (mini-batch above 2,000,000 customers)",
    ),
    (
        "cluster.ward_max_rows",
        "Ward clusters a seeded sample this large; the rest join the nearest cluster",
    ),
    (
        "tree",
        "Decision tree (CART) that explains a label as IF … THEN rules; scheme tree = the label the rules give; tree_rules.toml holds them as a [[custom]] scheme",
    ),
    (
        "tree.target",
        "a scheme id (cluster, rfm_segment, value_tier, …), \"churn\" (no order in the last predict.holdout_days), or a text / 0-1 column",
    ),
    (
        "tree.features",
        "empty = recency, orders, revenue, aov, tenure and the behaviour columns present",
    ),
    (
        "tree.labels_file",
        "a CSV with a customer id and the target column (e.g. campaign responses); empty = none",
    ),
    ("tree.class_weight", "\"none\" or \"balanced\""),
    (
        "compare",
        "Cross-tabulations of two schemes: customers, revenue and the adjusted Rand index (compare/*.csv)",
    ),
    (
        "playbook",
        "Strategy playbook: each action targets scheme:label (or several joined by &); a customer's actions are the matching ones by priority, the first is primary_action; actions/<code>.csv lists who to contact (docs/playbook.md)",
    ),
    (
        "playbook.lists",
        "\"primary\": each customer on the list of their most urgent action only; \"all\": on every matching list",
    ),
    (
        "playbook.max_actions",
        "actions kept per customer in the actions column",
    ),
    (
        "predict.min_customers",
        "guard rails: below these, predictions are switched off and the report says why",
    ),
];

fn comment_of(path: &str) -> Option<&'static str> {
    COMMENTS.iter().find(|(k, _)| *k == path).map(|(_, c)| *c)
}

/// Serialises a section and attaches the comments.
fn commented<T: Serialize>(root: &str, value: &T) -> String {
    #[derive(Serialize)]
    struct Wrap<'a, T> {
        #[serde(flatten)]
        inner: std::collections::BTreeMap<&'a str, &'a T>,
    }
    let wrap = Wrap {
        inner: [(root, value)].into_iter().collect(),
    };
    let text = toml::to_string(&wrap).unwrap_or_default();
    let mut out = String::new();
    let mut table = String::new();
    for line in text.lines() {
        let header = line
            .strip_prefix("[[")
            .and_then(|l| l.strip_suffix("]]"))
            .or_else(|| line.strip_prefix('[').and_then(|l| l.strip_suffix(']')));
        if let Some(h) = header {
            table = h.to_string();
            if let Some(c) = comment_of(h) {
                out.push_str(&format!("\n# {c}\n"));
            } else if !line.contains(".labels.") {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let key = line.split(" = ").next().unwrap_or("").trim();
        match comment_of(&format!("{table}.{key}")) {
            Some(c) if !key.is_empty() => out.push_str(&format!("{line}  # {c}\n")),
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The text of a complete `kehu.toml` for `sources`.
pub fn render_init(sources: &[InitSource]) -> String {
    let defaults = Config::default();
    let mut out = String::from(
        "# kehu.toml — written by `kehu init`. Every key shows its default; edit what you need.\n\
         # Run it with: kehu run --config kehu.toml\n\
         # Unknown keys and bad values are errors that name the key.\n",
    );
    out.push_str("\n# Input files: paths are relative to this file. `map` is the detected column mapping\n# (canonical field = column in the file); change it if a column was mapped wrongly.\n");
    for s in sources {
        out.push_str(&format!("# {} file; detected: {}\n", s.kind, s.detected));
        #[derive(Serialize)]
        struct One<'a> {
            sources: [&'a SourceConfig; 1],
        }
        let text = toml::to_string(&One {
            sources: [&s.source],
        })
        .unwrap_or_default();
        out.push_str(&text);
        if !s.attributes.is_empty() {
            out.push_str(
                "# Its other columns are kept as attributes for rules and custom features, numbers\n\
                 # where every value is one (e.g. when = \"attr_x = 'gold' AND attr_y > 2\"):\n#",
            );
            let mut width = 1;
            for (k, (name, header)) in s.attributes.iter().enumerate() {
                let item = format!(
                    " {name} ({header}){}",
                    if k + 1 < s.attributes.len() { "," } else { "" }
                );
                if width + item.chars().count() > 92 {
                    out.push_str("\n#");
                    width = 1;
                }
                width += item.chars().count();
                out.push_str(&item);
            }
            out.push('\n');
        }
        out.push_str("# Also possible: kind, encoding = \"gb18030\", delimiter = \";\", sheet = \"Sheet1\",\n# date_format = \"%d/%m/%Y\", timezone = \"+08:00\", duplicates = \"auto\" | \"quarantine\" | \"keep\"\n\n");
    }
    out.push_str(&commented::<RunConfig>("run", &defaults.run));
    out.push_str(
        "\n# Custom features: name = SQL expression over the feature table (docs/features.md).\n\
         # They become columns of customers.parquet and can be used by rules and the value matrix.\n\
         [features]\n\
         # basket_size = \"sales / orders\"\n\
         # big_spender = \"aov > 100\"\n",
    );
    out.push_str(&commented::<RfmConfig>("rfm", &defaults.rfm));
    out.push_str(&commented::<SchemesConfig>("schemes", &defaults.schemes));
    out.push_str(&commented::<PredictConfig>("predict", &defaults.predict));
    out.push_str(&commented::<ClusterConfig>("cluster", &defaults.cluster));
    out.push_str(&commented::<TreeConfig>("tree", &defaults.tree));
    out.push_str(&commented::<CompareConfig>("compare", &defaults.compare));
    out.push_str(&commented::<PlaybookConfig>("playbook", &defaults.playbook));
    out.push_str(
        "\n# Custom rule schemes: boolean SQL over the features, first match wins; customers matched\n\
         # by no rule get `other`, and the run reports how many matched several rules.\n\
         # [[custom]]\n\
         # id = \"campaign\"\n\
         # en = \"Spring campaign\"\n\
         # zh = \"春季活动\"\n\
         # [[custom.rules]]\n\
         # code = \"vip_recent\"\n\
         # en = \"Recent big spenders\"\n\
         # zh = \"近期大客户\"\n\
         # when = \"recency_days <= 30 AND revenue >= 1000\"\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_config;

    #[test]
    fn the_generated_file_parses_to_the_defaults() {
        let source = SourceConfig {
            path: "orders.csv".into(),
            map: [("customer_id".to_string(), "会员ID".to_string())]
                .into_iter()
                .collect(),
            ..SourceConfig::default()
        };
        let members = SourceConfig {
            path: "members.csv".into(),
            ..SourceConfig::default()
        };
        let attributes: Vec<(String, String)> = (0..12)
            .map(|k| (format!("attr_level_{k}"), format!("Level {k}")))
            .collect();
        let text = render_init(&[
            InitSource {
                source: source.clone(),
                kind: "transactions".into(),
                detected: "CSV, UTF-8, comma".into(),
                attributes: Vec::new(),
            },
            InitSource {
                source: members.clone(),
                kind: "customers".into(),
                detected: "CSV, UTF-8, comma".into(),
                attributes,
            },
        ]);
        let parsed = parse_config(&text, "kehu.toml").expect("generated config parses");
        let mut expected = Config::default();
        expected.sources.push(source);
        expected.sources.push(members);
        // Every attribute is named, in comment lines of at most 92 characters.
        assert!(text.contains("numbers\n# where every value"), "{text}");
        assert!(
            text.contains("attr_level_0 (Level 0),") && text.contains("attr_level_11 (Level 11)\n")
        );
        assert!(
            text.lines()
                .all(|l| !l.starts_with("# attr") || l.chars().count() <= 92)
        );
        assert_eq!(parsed, expected);
        assert!(text.contains("# \"quantile\""), "{text}");
        assert!(text.contains("重要价值客户"));
    }
}

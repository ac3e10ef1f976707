//! The `[schemes.*]` sections of `kehu.toml`: every rule scheme's parameters, with the
//! shipped defaults.

use super::against::Against;
use super::catalogue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A display-name override: either name may be left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LabelName {
    /// English name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    /// Chinese name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
}

/// Label renamings of a scheme, by code.
pub type Labels = BTreeMap<String, LabelName>;

/// The default names of a catalogue, as the config shows them.
pub fn labels_of(rows: &[catalogue::LabelRow]) -> Labels {
    rows.iter()
        .map(|(code, en, zh)| {
            (
                code.to_string(),
                LabelName {
                    en: Some(en.to_string()),
                    zh: Some(zh.to_string()),
                },
            )
        })
        .collect()
}

/// An inclusive score range written `[low, high]`.
pub fn range(bounds: [u8; 2]) -> [f64; 2] {
    [f64::from(bounds[0]), f64::from(bounds[1])]
}

/// One named segment: score ranges (absent = any), first match wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    /// Stable code.
    pub code: String,
    /// English name.
    pub en: String,
    /// Chinese name.
    pub zh: String,
    /// Recency score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<[f64; 2]>,
    /// Frequency score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f: Option<[f64; 2]>,
    /// Monetary score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<[f64; 2]>,
    /// Range of (F + M) / 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fm: Option<[f64; 2]>,
}

/// How RFM 1–5 scores are made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RfmConfig {
    /// `quantile`: `(rank_min − 1) × 5 / n + 1`, ties share the lowest rank; `bins`: fixed
    /// edges below.
    pub method: String,
    /// `bins`: recency edges in days, ascending; ≤ first edge scores 5.
    pub r_edges: Vec<f64>,
    /// `bins`: order-count edges, ascending; ≤ first edge scores 1.
    pub f_edges: Vec<f64>,
    /// `bins`: revenue edges, ascending; ≤ first edge scores 1.
    pub m_edges: Vec<f64>,
}

impl Default for RfmConfig {
    fn default() -> Self {
        RfmConfig {
            method: "quantile".into(),
            r_edges: vec![30.0, 90.0, 180.0, 365.0],
            f_edges: vec![1.0, 2.0, 4.0, 8.0],
            m_edges: vec![100.0, 500.0, 1000.0, 5000.0],
        }
    }
}

macro_rules! scheme_config {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty = $default:expr),* $(,)? } labels = $labels:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// Whether the scheme runs.
            pub enabled: bool,
            $($(#[$fdoc])* pub $field: $ty,)*
            /// Display names by label code.
            pub labels: Labels,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    enabled: true,
                    $($field: $default,)*
                    labels: labels_of($labels),
                }
            }
        }
    };
}

scheme_config!(
    /// Value tiers high / mid / low.
    ValueTierConfig {
        /// `rank`: cumulative shares of customers by revenue; `revenue_share`: cumulative
        /// shares of revenue; `thresholds`: revenue at least `cuts[0]` is high, at least
        /// `cuts[1]` mid.
        method: String = "rank".into(),
        /// The two cuts.
        cuts: Vec<f64> = vec![0.2, 0.5],
    } labels = catalogue::VALUE_TIER
);

scheme_config!(
    /// ABC classes by cumulative share of revenue.
    AbcConfig {
        /// Cumulative revenue shares closing A and B.
        shares: Vec<f64> = vec![0.8, 0.95],
    } labels = catalogue::ABC
);

/// A named-segment scheme over RFM scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentsConfig {
    /// Whether the scheme runs.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Name of the label for customers no segment matches.
    #[serde(default)]
    pub other: LabelName,
    /// The segments, first match wins.
    pub segments: Vec<SegmentSpec>,
}

fn yes() -> bool {
    true
}

impl SegmentsConfig {
    fn with(segments: Vec<SegmentSpec>) -> Self {
        let (_, en, zh) = catalogue::OTHER;
        SegmentsConfig {
            enabled: true,
            other: LabelName {
                en: Some(en.into()),
                zh: Some(zh.into()),
            },
            segments,
        }
    }
}

scheme_config!(
    /// The Chinese 8-class RFM.
    Rfm8Config {
        /// What R, F and M are judged high or low against: `mean`, `median` or a number
        /// (per axis below, overriding this).
        against: Against = Against::Mean,
        /// Override for recency (days; fewer days than this is "high R").
        r_against: Option<Against> = None,
        /// Override for frequency (orders; more is "high F").
        f_against: Option<Against> = None,
        /// Override for monetary (revenue; more is "high M").
        m_against: Option<Against> = None,
    } labels = catalogue::RFM8
);

scheme_config!(
    /// Lifecycle stages.
    LifecycleConfig {
        /// First order at most this many days ago: new.
        new_days: f64 = 30.0,
        /// Fixed rule: dormant after this many days without a purchase.
        dormant_days: f64 = 90.0,
        /// Fixed rule: churned after this many days.
        churned_days: f64 = 180.0,
        /// Customers with at least this many orders follow their own rhythm (0 = never).
        rhythm_min_orders: u64 = 3,
        /// Rhythm rule: dormant after this multiple of the mean interval.
        dormant_rhythm: f64 = 2.0,
        /// Rhythm rule: churned after this multiple.
        churned_rhythm: f64 = 4.0,
        /// Rhythm thresholds never go below this many days.
        rhythm_floor_days: f64 = 14.0,
    } labels = catalogue::LIFECYCLE
);

scheme_config!(
    /// High / low purchase frequency.
    FrequencyClassConfig {
        /// More orders than this is high frequency: `mean`, `median` or a number.
        against: Against = Against::Median,
    } labels = catalogue::FREQUENCY_CLASS
);

scheme_config!(
    /// Consumption capacity by average order value.
    CapacityConfig {
        /// Cumulative shares of customers by AOV closing high and mid.
        cuts: Vec<f64> = vec![0.2, 0.5],
    } labels = catalogue::CAPACITY
);

scheme_config!(
    /// Price sensitivity by the share of orders with a discount.
    PriceSensitivityConfig {
        /// Discount share at most `edges[0]`: insensitive; at most `edges[1]`: moderate.
        edges: Vec<f64> = vec![0.0, 0.5],
    } labels = catalogue::PRICE_SENSITIVITY
);

/// Category preference: the label is the customer's top category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CategoryConfig {
    /// Whether the scheme runs.
    pub enabled: bool,
    /// The top category must hold at least this share of the customer's sales; below it the
    /// customer is `mixed`.
    pub min_share: f64,
}

impl Default for CategoryConfig {
    fn default() -> Self {
        CategoryConfig {
            enabled: true,
            min_share: 0.5,
        }
    }
}

scheme_config!(
    /// Satisfaction high / low from the mean CSAT.
    SatisfactionConfig {
        /// Mean CSAT at least this is high.
        high_from: f64 = 4.0,
    } labels = catalogue::SATISFACTION
);

scheme_config!(
    /// NPS class from the last NPS answer.
    NpsConfig {
        /// At least this is a promoter.
        promoter_from: f64 = 9.0,
        /// At least this (and below promoter) is passive.
        passive_from: f64 = 7.0,
    } labels = catalogue::NPS
);

scheme_config!(
    /// Key versus general customers.
    KeyCustomerConfig {
        /// Customers who together make this share of revenue (largest first) are key.
        revenue_share: f64 = 0.5,
        /// A SQL condition over the features that replaces the revenue rule when set,
        /// e.g. `value_tier = 'high' AND orders >= 3`.
        rule: Option<String> = None,
    } labels = catalogue::KEY_CUSTOMER
);

scheme_config!(
    /// The two-axis value matrix.
    ValueMatrixConfig {
        /// Feature on the horizontal axis (current value).
        x: String = "revenue".into(),
        /// Where x splits into high and low.
        x_against: Against = Against::Median,
        /// Feature on the vertical axis (growth).
        y: String = "revenue_trend".into(),
        /// Where y splits (0: growing versus not).
        y_against: Against = Against::Value(0.0),
    } labels = catalogue::VALUE_MATRIX
);

/// Age bands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgeBandConfig {
    /// Whether the scheme runs (when ages are known).
    pub enabled: bool,
    /// Band edges in years: `[25, 35]` gives `<25`, `25-34`, `35+`.
    pub edges: Vec<f64>,
}

impl Default for AgeBandConfig {
    fn default() -> Self {
        AgeBandConfig {
            enabled: true,
            edges: vec![25.0, 35.0, 45.0, 55.0, 65.0],
        }
    }
}

/// A grouping by a text feature (gender, region): one label per value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupingConfig {
    /// Whether the scheme runs (when the feature is known).
    pub enabled: bool,
    /// Values beyond this many most common ones are grouped as `other`.
    pub max_groups: usize,
}

impl Default for GroupingConfig {
    fn default() -> Self {
        GroupingConfig {
            enabled: true,
            max_groups: 20,
        }
    }
}

/// Every shipped scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemesConfig {
    /// Value tiers.
    pub value_tier: ValueTierConfig,
    /// ABC.
    pub abc: AbcConfig,
    /// The R `rfm` package's ten segments.
    pub rfm_segment: SegmentsConfig,
    /// The eleven-group R × FM grid.
    pub rfm_grid: SegmentsConfig,
    /// The Chinese 8-class RFM.
    pub rfm8: Rfm8Config,
    /// Lifecycle.
    pub lifecycle: LifecycleConfig,
    /// Purchase frequency class.
    pub frequency_class: FrequencyClassConfig,
    /// Consumption capacity.
    pub capacity: CapacityConfig,
    /// Price sensitivity.
    pub price_sensitivity: PriceSensitivityConfig,
    /// Category preference.
    pub category_preference: CategoryConfig,
    /// Satisfaction.
    pub satisfaction: SatisfactionConfig,
    /// NPS.
    pub nps: NpsConfig,
    /// Key customers.
    pub key_customer: KeyCustomerConfig,
    /// Value matrix.
    pub value_matrix: ValueMatrixConfig,
    /// Age bands.
    pub age_band: AgeBandConfig,
    /// Gender grouping.
    pub gender: GroupingConfig,
    /// Region grouping.
    pub region: GroupingConfig,
    /// Churn risk from the predicted P(alive) (thresholds in `[predict]`).
    pub churn_risk: PredictedConfig,
    /// Predicted-CLV tier (shares in `[predict]`).
    pub clv_tier: PredictedConfig,
}

impl Default for SchemesConfig {
    fn default() -> Self {
        SchemesConfig {
            value_tier: ValueTierConfig::default(),
            abc: AbcConfig::default(),
            rfm_segment: SegmentsConfig::with(catalogue::rfm_package_segments()),
            rfm_grid: SegmentsConfig::with(catalogue::rfm_grid_segments()),
            rfm8: Rfm8Config::default(),
            lifecycle: LifecycleConfig::default(),
            frequency_class: FrequencyClassConfig::default(),
            capacity: CapacityConfig::default(),
            price_sensitivity: PriceSensitivityConfig::default(),
            category_preference: CategoryConfig::default(),
            satisfaction: SatisfactionConfig::default(),
            nps: NpsConfig::default(),
            key_customer: KeyCustomerConfig::default(),
            value_matrix: ValueMatrixConfig::default(),
            age_band: AgeBandConfig::default(),
            gender: GroupingConfig::default(),
            region: GroupingConfig::default(),
            churn_risk: PredictedConfig::with(catalogue::CHURN_RISK),
            clv_tier: PredictedConfig::with(catalogue::CLV_TIER),
        }
    }
}

/// A scheme over the predictions: on or off, and its label names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PredictedConfig {
    /// Run it (when predictions exist).
    pub enabled: bool,
    /// Label names, by code.
    pub labels: Labels,
}

impl PredictedConfig {
    fn with(rows: &[catalogue::LabelRow]) -> Self {
        PredictedConfig {
            enabled: true,
            labels: labels_of(rows),
        }
    }
}

impl Default for PredictedConfig {
    fn default() -> Self {
        PredictedConfig {
            enabled: true,
            labels: Labels::new(),
        }
    }
}

/// A user-written scheme: rules in SQL over the features, first match wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomScheme {
    /// The output column.
    pub id: String,
    /// English title.
    pub en: String,
    /// Chinese title.
    pub zh: String,
    /// Name of the label for customers no rule matches.
    #[serde(default)]
    pub other: LabelName,
    /// The rules, first match wins.
    pub rules: Vec<CustomRule>,
}

/// One rule of a custom scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRule {
    /// Stable code of the label.
    pub code: String,
    /// English name.
    pub en: String,
    /// Chinese name.
    pub zh: String,
    /// Boolean SQL expression over the feature table.
    pub when: String,
}

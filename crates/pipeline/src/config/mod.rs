//! `kehu.toml`: what a run reads, when it is judged, which schemes run with which
//! parameters, custom features and rules, and what it writes.
//!
//! Every key has a default (`Config::default()`, written out in full by `kehu init`); unknown
//! keys and bad values are errors that name the key path.

mod against;
pub mod catalogue;
mod init;
mod learn;
mod load;
mod playbook;
mod predict;
mod schemes;

pub use against::Against;
pub use catalogue::{LabelRow, NOT_APPLICABLE, OTHER};
pub use init::{InitSource, render_init};
pub use learn::{
    CLASS_WEIGHTS, CLUSTER_ALGORITHMS, CLUSTER_TRANSFORMS, ClusterConfig, CompareConfig, TreeConfig,
};
pub(crate) use load::is_identifier;
pub use load::{ConfigError, load_config, parse_config};
pub use playbook::{ActionSpec, PLAYBOOK_LISTS, PlaybookConfig, default_actions};
pub use predict::{PURCHASE_MODELS, PredictConfig};
pub use schemes::*;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Input files.
    pub sources: Vec<SourceConfig>,
    /// When the run is judged and what it writes.
    pub run: RunConfig,
    /// Custom features: name = SQL expression over the feature table, evaluated in the
    /// order written (a feature may use the ones above it).
    pub features: IndexMap<String, String>,
    /// How RFM scores are made.
    pub rfm: RfmConfig,
    /// The customer-base models.
    pub predict: PredictConfig,
    /// Segments learned by k-means and Ward clustering.
    pub cluster: ClusterConfig,
    /// A decision tree that turns a label into rules.
    pub tree: TreeConfig,
    /// Cross-tabulations of two schemes.
    pub compare: CompareConfig,
    /// What to do for each segment, and the contact lists.
    pub playbook: PlaybookConfig,
    /// The shipped schemes.
    pub schemes: SchemesConfig,
    /// User-written rule schemes.
    pub custom: Vec<CustomScheme>,
}

/// One input file and how to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Path, relative to the config file.
    pub path: String,
    /// `transactions`, `customers` or `feedback`; detected from the headers when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Encoding label overriding detection (`gb18030`, `utf-8`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// One-character delimiter overriding sniffing (`,`, `;`, `tab`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Sheet of a workbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// A pinned date format (`%d/%m/%Y`) that also settles day/month ambiguity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    /// Business time zone (`+08:00`, `Asia/Shanghai`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `auto`, `quarantine` or `keep` for rows that repeat an earlier one exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<String>,
    /// Canonical field = column in the file, overriding the header aliases.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub map: BTreeMap<String, String>,
}

/// `[run]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// `auto` (the day after the last transaction) or a date `YYYY-MM-DD`; transactions on or
    /// after it are ignored.
    pub as_of: String,
    /// Time unit of the BTYD summary columns: `days` or `weeks`.
    pub time_unit: String,
    /// Length in days of the recent and the previous period compared by `revenue_trend`.
    pub trend_days: u32,
    /// Run directory; `{as_of}` is replaced by the date.
    pub out: String,
    /// Output formats of the customer table besides Parquet: `csv`, `xlsx`.
    pub formats: Vec<String>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            as_of: "auto".into(),
            time_unit: "weeks".into(),
            trend_days: 90,
            out: "runs/{as_of}".into(),
            formats: Vec::new(),
        }
    }
}

//! `[cluster]`, `[tree]` and `[compare]`: segments learned from the data (k-means and Ward),
//! decision-tree rules that explain a label, and cross-tabulations of two schemes.

use serde::{Deserialize, Serialize};

/// `[cluster]`: k-means (scheme `cluster`) and Ward (scheme `ward_cluster`) on chosen features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// Cluster at all.
    pub enabled: bool,
    /// Numeric columns of the feature table to cluster on.
    pub features: Vec<String>,
    /// Applied to every feature before standardising: `log1p` (sign(x)·ln(1+|x|), which tames
    /// the long tails of money and counts) or `none`.
    pub transform: String,
    /// Scale every feature to mean 0 and standard deviation 1 (so no unit dominates).
    pub standardise: bool,
    /// Number of clusters; 0 = choose it over `k_range` by the silhouette.
    pub k: usize,
    /// Smallest and largest k tried when `k = 0`.
    pub k_range: [usize; 2],
    /// k-means starts (k-means++ seeding each); the lowest inertia wins.
    pub starts: usize,
    /// Iteration limit of one start.
    pub max_iterations: usize,
    /// `full` (exact Lloyd passes), `minibatch`, or `auto` (mini-batch above 2,000,000
    /// customers).
    pub algorithm: String,
    /// Rows in the silhouette sample (the silhouette costs n²).
    pub silhouette_sample: usize,
    /// Also cluster with Ward's method, into the same number of clusters.
    pub ward: bool,
    /// Cut Ward's tree at this merge height instead of into k clusters (0 = into k clusters).
    pub ward_cut_height: f64,
    /// Ward clusters at most this many customers (a seeded sample); the rest join the nearest
    /// cluster centroid.
    pub ward_max_rows: usize,
    /// Guard rail: with fewer clusterable customers than this, clustering is skipped (segments
    /// learned from a handful of customers mislead).
    pub min_customers: usize,
    /// Seed of every random choice (k-means++ seeding, samples).
    pub seed: u64,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            enabled: true,
            features: ["recency_days", "orders", "revenue", "aov"]
                .map(String::from)
                .to_vec(),
            transform: "log1p".into(),
            standardise: true,
            k: 0,
            k_range: [3, 8],
            starts: 10,
            max_iterations: 300,
            algorithm: "auto".into(),
            silhouette_sample: 10_000,
            ward: true,
            ward_cut_height: 0.0,
            ward_max_rows: 10_000,
            min_customers: 100,
            seed: 42,
        }
    }
}

/// `[tree]`: a CART decision tree trained on a label, exported as readable rules and as a
/// custom rule scheme (scheme `tree`: the label the rules give each customer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TreeConfig {
    /// Train a tree at all.
    pub enabled: bool,
    /// What to learn: a scheme id (`cluster`, `rfm_segment`, `value_tier`, …), `churn` (no
    /// order in the last `[predict] holdout_days`, learned from the features before them), or a
    /// text or 0/1 column of the feature table.
    pub target: String,
    /// A CSV with a customer-id column and the `target` column (a campaign's responses, say),
    /// relative to the config file; empty = the target is a scheme or a feature column.
    pub labels_file: String,
    /// Numeric feature columns the rules may use; empty = the RFM basics and behaviour columns
    /// present in the data (docs/learning.md lists them).
    pub features: Vec<String>,
    /// Depth limit (rules have at most this many conditions).
    pub max_depth: usize,
    /// Fewest customers in a leaf (a rule covers at least this many).
    pub min_samples_leaf: usize,
    /// `none` or `balanced` (rare labels weigh as much as common ones).
    pub class_weight: String,
    /// Share of customers held out to test the tree.
    pub test_share: f64,
    /// Cross-validation folds on top of the test split (0 = none).
    pub cv_folds: usize,
    /// Seed of the split.
    pub seed: u64,
}

impl Default for TreeConfig {
    fn default() -> Self {
        TreeConfig {
            enabled: true,
            target: "cluster".into(),
            labels_file: String::new(),
            features: Vec::new(),
            max_depth: 4,
            min_samples_leaf: 20,
            class_weight: "none".into(),
            test_share: 0.25,
            cv_folds: 0,
            seed: 42,
        }
    }
}

/// `[compare]`: pairs of schemes to cross-tabulate (customers, revenue, adjusted Rand index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareConfig {
    /// `[scheme_a, scheme_b]` pairs; a pair whose scheme did not run is reported and skipped.
    pub pairs: Vec<[String; 2]>,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            pairs: [
                ["rfm_segment", "cluster"],
                ["value_tier", "clv_tier"],
                ["cluster", "ward_cluster"],
            ]
            .map(|[a, b]| [a.to_string(), b.to_string()])
            .to_vec(),
        }
    }
}

/// The transforms `[cluster].transform` accepts.
pub const CLUSTER_TRANSFORMS: &[&str] = &["log1p", "none"];
/// The algorithms `[cluster].algorithm` accepts.
pub const CLUSTER_ALGORITHMS: &[&str] = &["auto", "full", "minibatch"];
/// The class weights `[tree].class_weight` accepts.
pub const CLASS_WEIGHTS: &[&str] = &["none", "balanced"];

//! Learning segments from data: k-means, Ward clustering, CART decision trees and the metrics
//! that judge them. Every estimator follows linfa's shape: validated `XParams` → `fit` → an
//! immutable fitted model; randomness comes from an explicit seed, and results do not depend on
//! the number of threads (parallel sums are combined in a fixed chunk order).

mod agreement;
mod classification_report;
mod cluster_quality;
mod hamerly;
mod k_choice;
mod kmeans;
mod kmeans_init;
mod matrix;
mod minibatch;
mod row_chunks;
mod sample_split;
mod tree;
mod ward;

pub use agreement::{Contingency, relabel_by_size};
pub use classification_report::{ClassScores, ClassificationReport, ClassificationReportError};
pub use cluster_quality::{
    calinski_harabasz, cluster_means, sampled_silhouette, silhouette, within_sum_of_squares,
};
pub use k_choice::{KCandidate, KChoice, KChoiceParams};
pub use kmeans::{KMeans, KMeansAlgorithm, KMeansError, KMeansParams, nearest_centroids};
pub use matrix::{Matrix, MatrixError};
pub use sample_split::{SplitError, stratified_k_folds, train_test_split};
pub use tree::{
    ClassWeight, Condition, ConditionOp, Criterion, CrossValidation, DecisionTree, LeafRule, Node,
    NodeSplit, TreeError, TreeParams, cross_validate, rule_matches,
};
pub use ward::{Merge, Ward, WardError, WardParams};

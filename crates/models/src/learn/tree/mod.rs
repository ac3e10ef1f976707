//! CART classification trees, exact like scikit-learn's `DecisionTreeClassifier(splitter="best")`:
//! [`TreeParams`] → [`TreeParams::fit`] → [`DecisionTree`], plus its rules ([`LeafRule`]) and
//! k-fold [`cross_validate`].
//!
//! - `params`: hyperparameters, class weights and [`TreeError`];
//! - `segment`: each feature sorted once, partitioned per split;
//! - `grow`, `best_first`: stopping rules, split choice, depth-first and best-first growth;
//! - `splitter`: the impurity measures and the scan of one feature;
//! - `decision_tree`, `node`: the fitted tree and its nodes;
//! - `rules`: leaves as conjunctions of per-feature bounds;
//! - `cross_validation`: accuracy over folds.
//!
//! Invariants: the tree depends only on the data and the parameters, never on the thread
//! count; equal split scores go to the lowest feature, then the lowest threshold; a missing
//! value (NaN) always goes to the `>` side of a split.

// Why not linfa-trees 0.8.1 (the project's default choice): on the 1,000,000 × 10 matrix of
// `examples/tree_bench.rs` (max_depth 10, Gini, min_samples_leaf 1; this 2-core machine, Nov
// 2026, shared with another build, so ranges) linfa-trees took 38.2 s and reached train
// accuracy 0.8176 with 611 leaves; scikit-learn 1.9.1 took 8.8-11.5 s for 0.832073 with 1,008
// leaves; this module takes 0.7-1.3 s (1.2-1.7 s on one thread) and grows scikit-learn's tree
// (0.832073, 1,008 leaves). linfa-trees also treats values less than 1e-5 apart as equal,
// counts classes in f32 hash maps, has no class weights (only per-sample weights), no defined
// order for NaN, no best-first growth (`max_leaf_nodes`) and an unweighted
// `min_impurity_decrease` that must be positive, so its trees cannot be checked against
// scikit-learn's. Reproduce: `tree_bench --write-matrix PATH`, then
// `bench/peers/tree_sklearn.py --matrix PATH`; linfa was run from a scratch project on the same
// file with `DecisionTree::params().max_depth(Some(10)).min_weight_split(2.0)
// .min_weight_leaf(1.0).min_impurity_decrease(1e-12)` (0 is rejected).

mod best_first;
mod cross_validation;
mod decision_tree;
mod grow;
mod node;
mod params;
mod rules;
mod segment;
mod splitter;

pub use cross_validation::{CrossValidation, cross_validate};
pub use decision_tree::DecisionTree;
pub use node::{Node, NodeSplit};
pub use params::{ClassWeight, Criterion, TreeError, TreeParams};
pub use rules::{Condition, ConditionOp, LeafRule, rule_matches};

#[cfg(test)]
mod tests;

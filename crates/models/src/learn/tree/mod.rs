//! CART classification trees, exact like scikit-learn's `DecisionTreeClassifier(splitter="best")`:
//! [`TreeParams`] → [`TreeParams::fit`] → [`DecisionTree`], plus its rules ([`LeafRule`]) and
//! k-fold [`cross_validate`].
//!
//! - `params`: hyperparameters, class weights and [`TreeError`];
//! - `grow`: sort once, partition per split, depth-first or best-first growth;
//! - `splitter`: the impurity measures and the scan of one feature;
//! - `decision_tree`, `node`: the fitted tree and its nodes;
//! - `rules`: leaves as conjunctions of per-feature bounds;
//! - `cross_validation`: accuracy over folds.
//!
//! Invariants: the tree depends only on the data and the parameters, never on the thread
//! count; equal split scores go to the lowest feature, then the lowest threshold; a missing
//! value (NaN) always goes to the `>` side of a split.

// Why not linfa-trees 0.8.1 (the project's default choice): on the 1,000,000 × 10 benchmark
// matrix of `examples/tree_bench.rs` with max_depth 10, LINFA_NUMBERS. linfa-trees also has no
// class weights (only per-sample weights through the dataset), no missing values (NaN is not
// ordered, so its sort gives no meaningful splits), no best-first growth (`max_leaf_nodes`) and
// no `min_impurity_decrease` in scikit-learn's weighted form, so its trees cannot be checked
// against scikit-learn's. The same fit here takes KEHU_NUMBERS.

mod cross_validation;
mod decision_tree;
mod grow;
mod node;
mod params;
mod rules;
mod splitter;

pub use cross_validation::{CrossValidation, cross_validate};
pub use decision_tree::DecisionTree;
pub use node::{Node, NodeSplit};
pub use params::{ClassWeight, Criterion, TreeError, TreeParams};
pub use rules::{Condition, ConditionOp, LeafRule, rule_matches};

#[cfg(test)]
mod tests;

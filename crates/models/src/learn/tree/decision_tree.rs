//! The fitted tree: prediction, probabilities, importances and the shape of the tree.

use rayon::prelude::*;

use super::node::Node;
use super::params::Criterion;
use crate::learn::Matrix;

/// Rows per parallel task when predicting.
const PREDICT_CHUNK: usize = 4096;

/// A fitted CART classification tree, made by [`crate::learn::TreeParams::fit`]. Immutable.
///
/// A sample goes left at a node when `x[feature] <= threshold`, otherwise right; a missing value
/// (NaN) always goes to the `>` (right) side. Its class is that of the leaf it reaches.
///
/// ```
/// use kehu_models::learn::{Matrix, TreeParams, rule_matches};
/// // Feature 0: months as a customer; feature 1: support calls (missing for some).
/// let x = Matrix::from_row_major(
///     vec![1.0, 5.0, 2.0, 4.0, 3.0, f64::NAN, 40.0, 0.0, 50.0, 1.0, 60.0, f64::NAN],
///     2,
/// )
/// .unwrap();
/// let y = [1, 1, 1, 0, 0, 0];
/// let tree = TreeParams::new().fit(&x, &y, 2).unwrap();
/// assert_eq!(tree.predict(&x), y);
/// assert_eq!((tree.depth(), tree.n_leaves()), (1, 2));
/// assert_eq!(tree.feature_importances(), &[1.0, 0.0]);
/// // One rule per leaf; every row matches exactly one, and it gives the predicted class.
/// let rules = tree.rules();
/// for row in 0..x.n_rows() {
///     let matching: Vec<_> = rules.iter().filter(|r| rule_matches(r, x.row(row))).collect();
///     assert_eq!(matching.len(), 1);
///     assert_eq!(matching[0].class, y[row]);
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTree {
    nodes: Vec<Node>,
    n_features: usize,
    n_classes: usize,
    criterion: Criterion,
    feature_importances: Vec<f64>,
}

impl DecisionTree {
    pub(super) fn from_nodes(
        nodes: Vec<Node>,
        n_features: usize,
        n_classes: usize,
        criterion: Criterion,
    ) -> Self {
        let feature_importances = importances(&nodes, n_features);
        Self {
            nodes,
            n_features,
            n_classes,
            criterion,
            feature_importances,
        }
    }

    /// All nodes, root first (see [`Node`] for the order).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Columns of the training matrix.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    pub fn criterion(&self) -> Criterion {
        self.criterion
    }

    /// The deepest leaf's depth (a lone root has depth 0).
    pub fn depth(&self) -> usize {
        self.nodes.iter().map(|n| n.depth).max().unwrap_or(0)
    }

    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_leaf()).count()
    }

    /// Index (into [`DecisionTree::nodes`]) of the leaf that one row of features reaches.
    ///
    /// # Panics
    /// If `row` is shorter than the training matrix was wide.
    pub fn leaf_of(&self, row: &[f64]) -> usize {
        let mut id = 0;
        while let Some(split) = &self.nodes[id].split {
            // NaN <= t is false: missing values go right.
            id = if row[split.feature] <= split.threshold {
                split.left
            } else {
                split.right
            };
        }
        id
    }

    /// The leaf of every row of `x` (scikit-learn's `apply`).
    ///
    /// # Panics
    /// If `x` has fewer columns than the training matrix.
    pub fn apply(&self, x: &Matrix) -> Vec<usize> {
        self.map_rows(x, |leaf| leaf)
    }

    /// The class of every row of `x`.
    ///
    /// # Panics
    /// If `x` has fewer columns than the training matrix.
    pub fn predict(&self, x: &Matrix) -> Vec<u32> {
        self.map_rows(x, |leaf| self.nodes[leaf].class)
    }

    /// The class probabilities of every row of `x`: its leaf's weighted class shares, one slice
    /// of `n_classes` values per row (borrowed from the tree).
    ///
    /// # Panics
    /// If `x` has fewer columns than the training matrix.
    pub fn predict_proba(&self, x: &Matrix) -> Vec<&[f64]> {
        self.map_rows(x, |leaf| self.nodes[leaf].probabilities.as_slice())
    }

    fn map_rows<'a, T: Send>(&'a self, x: &Matrix, f: impl Fn(usize) -> T + Sync + 'a) -> Vec<T> {
        assert!(
            x.n_cols() >= self.n_features,
            "the tree was fitted on {} features, the matrix has {}",
            self.n_features,
            x.n_cols()
        );
        x.values()
            .par_chunks(x.n_cols())
            .with_min_len(PREDICT_CHUNK)
            .map(|row| f(self.leaf_of(row)))
            .collect()
    }

    /// Total weighted impurity decrease brought by each feature, normalised to sum to 1
    /// (scikit-learn's `feature_importances_`; all 0 for a tree without splits).
    pub fn feature_importances(&self) -> &[f64] {
        &self.feature_importances
    }
}

fn importances(nodes: &[Node], n_features: usize) -> Vec<f64> {
    let mut importances = vec![0.0; n_features];
    for node in nodes {
        if let Some(split) = &node.split {
            let (left, right) = (&nodes[split.left], &nodes[split.right]);
            importances[split.feature] += node.weighted_n_samples * node.impurity
                - left.weighted_n_samples * left.impurity
                - right.weighted_n_samples * right.impurity;
        }
    }
    let root = nodes.first().map_or(1.0, |n| n.weighted_n_samples);
    for importance in &mut importances {
        *importance /= root;
    }
    let total: f64 = importances.iter().sum();
    if total > 0.0 {
        for importance in &mut importances {
            *importance /= total;
        }
    }
    importances
}

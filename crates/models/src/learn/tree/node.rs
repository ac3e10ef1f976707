//! The public, read-only view of one node of a fitted tree.

use super::splitter::NodeStats;

/// One node of a fitted [`crate::learn::DecisionTree`]. Nodes are stored in the order they were
/// created: the root is node 0; a depth-limited tree lists them depth-first, left before right
/// (pre-order), and a tree grown with `max_leaf_nodes` in the order it split them.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The test of an inner node; `None` for a leaf.
    pub split: Option<NodeSplit>,
    /// Distance from the root (the root has depth 0).
    pub depth: usize,
    /// Training samples that reached this node.
    pub n_samples: usize,
    /// Their total weight (equal to `n_samples` without class or sample weights).
    pub weighted_n_samples: f64,
    /// Training samples of each class.
    pub class_counts: Vec<u64>,
    /// Weighted training samples of each class (scikit-learn's `tree_.value` before it is
    /// normalised).
    pub class_weights: Vec<f64>,
    /// `class_weights / weighted_n_samples`: the class probabilities this node predicts.
    pub probabilities: Vec<f64>,
    /// Gini impurity or entropy of the node (by the tree's criterion), from the weighted counts.
    pub impurity: f64,
    /// The class with the largest weighted count (ties: the lowest class).
    pub class: u32,
}

/// The test of an inner node: samples with `x[feature] <= threshold` go to `left`; all others,
/// missing values (NaN) included, go to `right`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeSplit {
    pub feature: usize,
    /// A midpoint between two training values, or +∞ for the split that separates missing values
    /// (`x <= +∞` holds for every present value).
    pub threshold: f64,
    /// Index of the left child in [`crate::learn::DecisionTree::nodes`].
    pub left: usize,
    /// Index of the right child.
    pub right: usize,
    /// Weighted impurity decrease of this split, relative to the whole training set (the
    /// quantity `min_impurity_decrease` and the feature importances use).
    pub improvement: f64,
}

impl Node {
    /// A node with no split yet.
    pub(super) fn leaf(stats: NodeStats, depth: usize) -> Self {
        let NodeStats {
            n,
            weighted_n,
            class_weights,
            class_counts,
            impurity,
        } = stats;
        let probabilities: Vec<f64> = if weighted_n > 0.0 {
            class_weights.iter().map(|w| w / weighted_n).collect()
        } else {
            // Only zero-weight samples: fall back to the plain counts.
            class_counts
                .iter()
                .map(|&c| c as f64 / n.max(1) as f64)
                .collect()
        };
        let class = argmax(&probabilities);
        Self {
            split: None,
            depth,
            n_samples: n,
            weighted_n_samples: weighted_n,
            class_counts,
            class_weights,
            probabilities,
            impurity,
            class,
        }
    }

    pub fn is_leaf(&self) -> bool {
        self.split.is_none()
    }
}

/// Index of the largest value; ties go to the lowest index.
fn argmax(values: &[f64]) -> u32 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_lowest_class() {
        assert_eq!(argmax(&[0.25, 0.5, 0.5]), 1);
        assert_eq!(argmax(&[0.5, 0.5]), 0);
    }
}

//! Hyperparameters of the CART tree ([`TreeParams`]) and why a fit can fail ([`TreeError`]).

use thiserror::Error;

use super::decision_tree::DecisionTree;
use super::grow::{self, Growth, Weights};
use crate::learn::Matrix;

/// How impure a node is: what a split tries to reduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Criterion {
    /// Gini impurity, `1 - Σ p_c²`.
    #[default]
    Gini,
    /// Shannon entropy in bits, `-Σ p_c log₂ p_c`.
    Entropy,
}

/// How much each class counts, as scikit-learn's `class_weight`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClassWeight {
    /// Every sample counts 1.
    #[default]
    None,
    /// `n_samples / (n_present_classes · count_c)`: rare classes count more (scikit-learn's
    /// `"balanced"`, where only the classes present in `y` are counted).
    Balanced,
    /// One weight per class, `n_classes` of them, finite and not negative.
    Custom(Vec<f64>),
}

/// Validated hyperparameters of a CART classification tree (scikit-learn's
/// `DecisionTreeClassifier(splitter="best")`). Nothing is checked until [`TreeParams::fit`].
///
/// ```
/// use kehu_models::learn::{Matrix, TreeParams};
/// // Churned (1) when tenure is short.
/// let tenure = vec![1.0, 2.0, 3.0, 30.0, 40.0, 50.0];
/// let x = Matrix::from_columns(&[tenure]).unwrap();
/// let y = [1, 1, 1, 0, 0, 0];
/// let tree = TreeParams::new().max_depth(Some(2)).fit(&x, &y, 2).unwrap();
/// assert_eq!(tree.predict(&x), y);
/// assert_eq!(tree.nodes()[0].split.as_ref().unwrap().threshold, 16.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TreeParams {
    pub(super) criterion: Criterion,
    pub(super) max_depth: Option<usize>,
    pub(super) min_samples_split: usize,
    pub(super) min_samples_leaf: usize,
    pub(super) max_leaf_nodes: Option<usize>,
    pub(super) min_impurity_decrease: f64,
    pub(super) class_weight: ClassWeight,
}

/// Why a tree could not be fitted.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TreeError {
    #[error("there are no samples to fit on")]
    Empty,
    #[error("x has {rows} rows but y has {labels} labels")]
    LengthMismatch { rows: usize, labels: usize },
    #[error("a tree needs at least one class")]
    NoClasses,
    #[error("label {label} at row {row} is not below n_classes = {n_classes}")]
    LabelOutOfRange {
        row: usize,
        label: u32,
        n_classes: usize,
    },
    #[error("{rows} rows are more than a tree can index ({max})")]
    TooManyRows { rows: usize, max: usize },
    #[error("parameter {name} {reason}")]
    InvalidParameter {
        name: &'static str,
        reason: &'static str,
    },
    #[error("{weights} class weights given for {n_classes} classes")]
    ClassWeightCount { weights: usize, n_classes: usize },
    #[error("{weights} sample weights given for {rows} rows")]
    SampleWeightCount { weights: usize, rows: usize },
    #[error("{what} weight {index} is {value}; weights must be finite and not negative")]
    InvalidWeight {
        what: &'static str,
        index: usize,
        value: f64,
    },
    #[error("the samples' weights sum to zero")]
    ZeroTotalWeight,
    #[error("fold {fold} {reason}")]
    InvalidFold { fold: usize, reason: &'static str },
}

impl Default for TreeParams {
    fn default() -> Self {
        Self::new()
    }
}

impl TreeParams {
    /// Gini, `max_depth` 5, `min_samples_split` 2, `min_samples_leaf` 1, no leaf limit, no
    /// minimum impurity decrease, unweighted classes.
    pub fn new() -> Self {
        Self {
            criterion: Criterion::Gini,
            max_depth: Some(5),
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_leaf_nodes: None,
            min_impurity_decrease: 0.0,
            class_weight: ClassWeight::None,
        }
    }

    pub fn criterion(mut self, criterion: Criterion) -> Self {
        self.criterion = criterion;
        self
    }

    /// Deepest level a node may sit at (the root is depth 0); `None` grows until the other
    /// limits stop it. At least 1.
    pub fn max_depth(mut self, max_depth: Option<usize>) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Fewest samples a node needs to be split. At least 2.
    pub fn min_samples_split(mut self, min_samples_split: usize) -> Self {
        self.min_samples_split = min_samples_split;
        self
    }

    /// Fewest samples each child of a split must keep. At least 1.
    pub fn min_samples_leaf(mut self, min_samples_leaf: usize) -> Self {
        self.min_samples_leaf = min_samples_leaf;
        self
    }

    /// With `Some(n)`, the tree grows best-first (the node with the largest impurity decrease is
    /// split next, ties to the older node) until it has `n` leaves, as scikit-learn does. At
    /// least 2.
    pub fn max_leaf_nodes(mut self, max_leaf_nodes: Option<usize>) -> Self {
        self.max_leaf_nodes = max_leaf_nodes;
        self
    }

    /// A split must decrease the weighted impurity by at least this much (scikit-learn's
    /// definition: `N_t / N · (impurity − N_tR / N_t · right − N_tL / N_t · left)`).
    pub fn min_impurity_decrease(mut self, min_impurity_decrease: f64) -> Self {
        self.min_impurity_decrease = min_impurity_decrease;
        self
    }

    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.class_weight = class_weight;
        self
    }

    /// Grows a tree on `x` with labels `y` in `0..n_classes`. Missing values (NaN) are allowed
    /// in `x`: at every split they go to the `>` side (see [`crate::learn::DecisionTree`]).
    pub fn fit(&self, x: &Matrix, y: &[u32], n_classes: usize) -> Result<DecisionTree, TreeError> {
        self.fit_inner(x, y, n_classes, None)
    }

    /// [`TreeParams::fit`] with one weight per sample (multiplied by the class weight).
    pub fn fit_weighted(
        &self,
        x: &Matrix,
        y: &[u32],
        n_classes: usize,
        sample_weight: &[f64],
    ) -> Result<DecisionTree, TreeError> {
        self.fit_inner(x, y, n_classes, Some(sample_weight))
    }

    fn fit_inner(
        &self,
        x: &Matrix,
        y: &[u32],
        n_classes: usize,
        sample_weight: Option<&[f64]>,
    ) -> Result<DecisionTree, TreeError> {
        self.validate()?;
        check_data(x, y, n_classes)?;
        let class_weight = self.class_weights(y, n_classes)?;
        let weights = match sample_weight {
            None => Weights::PerClass(class_weight),
            Some(sample_weight) => {
                if sample_weight.len() != y.len() {
                    return Err(TreeError::SampleWeightCount {
                        weights: sample_weight.len(),
                        rows: y.len(),
                    });
                }
                check_weights("sample", sample_weight)?;
                let per_row = sample_weight
                    .iter()
                    .zip(y)
                    .map(|(w, &label)| w * class_weight[label as usize])
                    .collect();
                Weights::PerRow(per_row)
            }
        };
        let growth = Growth {
            criterion: self.criterion,
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            // A node smaller than two leaves cannot be split (scikit-learn's rule).
            min_samples_split: self
                .min_samples_split
                .max(self.min_samples_leaf.saturating_mul(2)),
            min_samples_leaf: self.min_samples_leaf,
            max_leaf_nodes: self.max_leaf_nodes,
            min_impurity_decrease: self.min_impurity_decrease,
            n_classes,
        };
        let nodes = grow::grow(x, y, &weights, &growth)?;
        Ok(DecisionTree::from_nodes(
            nodes,
            x.n_cols(),
            n_classes,
            self.criterion,
        ))
    }

    fn validate(&self) -> Result<(), TreeError> {
        let invalid = |name, reason| Err(TreeError::InvalidParameter { name, reason });
        if self.max_depth == Some(0) {
            return invalid("max_depth", "must be at least 1");
        }
        if self.min_samples_split < 2 {
            return invalid("min_samples_split", "must be at least 2");
        }
        if self.min_samples_leaf < 1 {
            return invalid("min_samples_leaf", "must be at least 1");
        }
        if matches!(self.max_leaf_nodes, Some(n) if n < 2) {
            return invalid("max_leaf_nodes", "must be at least 2");
        }
        if !(self.min_impurity_decrease.is_finite() && self.min_impurity_decrease >= 0.0) {
            return invalid("min_impurity_decrease", "must be finite and not negative");
        }
        Ok(())
    }

    /// The weight of each class under [`ClassWeight`].
    fn class_weights(&self, y: &[u32], n_classes: usize) -> Result<Vec<f64>, TreeError> {
        match &self.class_weight {
            ClassWeight::None => Ok(vec![1.0; n_classes]),
            ClassWeight::Custom(weights) => {
                if weights.len() != n_classes {
                    return Err(TreeError::ClassWeightCount {
                        weights: weights.len(),
                        n_classes,
                    });
                }
                check_weights("class", weights)?;
                Ok(weights.clone())
            }
            ClassWeight::Balanced => {
                let mut counts = vec![0usize; n_classes];
                for &label in y {
                    counts[label as usize] += 1;
                }
                let present = counts.iter().filter(|&&c| c > 0).count();
                Ok(counts
                    .iter()
                    .map(|&c| {
                        if c == 0 {
                            0.0
                        } else {
                            y.len() as f64 / (present as f64 * c as f64)
                        }
                    })
                    .collect())
            }
        }
    }
}

fn check_data(x: &Matrix, y: &[u32], n_classes: usize) -> Result<(), TreeError> {
    if n_classes == 0 {
        return Err(TreeError::NoClasses);
    }
    if x.n_rows() != y.len() {
        return Err(TreeError::LengthMismatch {
            rows: x.n_rows(),
            labels: y.len(),
        });
    }
    if y.is_empty() {
        return Err(TreeError::Empty);
    }
    let max = u32::MAX as usize;
    if y.len() > max {
        return Err(TreeError::TooManyRows { rows: y.len(), max });
    }
    if let Some((row, &label)) = y
        .iter()
        .enumerate()
        .find(|&(_, &label)| label as usize >= n_classes)
    {
        return Err(TreeError::LabelOutOfRange {
            row,
            label,
            n_classes,
        });
    }
    Ok(())
}

fn check_weights(what: &'static str, weights: &[f64]) -> Result<(), TreeError> {
    match weights
        .iter()
        .enumerate()
        .find(|&(_, w)| !(w.is_finite() && *w >= 0.0))
    {
        Some((index, &value)) => Err(TreeError::InvalidWeight { what, index, value }),
        None => Ok(()),
    }
}

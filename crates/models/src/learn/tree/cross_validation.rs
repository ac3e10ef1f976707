//! k-fold cross-validation of tree hyperparameters.

use super::params::{TreeError, TreeParams};
use crate::learn::Matrix;

/// Test accuracy of each fold, with their mean and population standard deviation.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossValidation {
    pub fold_accuracies: Vec<f64>,
    pub mean: f64,
    /// Population standard deviation (divisor = number of folds), as numpy's default.
    pub std: f64,
}

/// Fits `params` once per fold on every row outside the fold and scores the accuracy on the
/// fold's rows (`folds` from [`crate::learn::stratified_k_folds`], for example).
pub fn cross_validate(
    params: &TreeParams,
    x: &Matrix,
    y: &[u32],
    n_classes: usize,
    folds: &[Vec<usize>],
) -> Result<CrossValidation, TreeError> {
    if x.n_rows() != y.len() {
        return Err(TreeError::LengthMismatch {
            rows: x.n_rows(),
            labels: y.len(),
        });
    }
    let mut fold_accuracies = Vec::with_capacity(folds.len());
    for (fold, test) in folds.iter().enumerate() {
        let mut in_test = vec![false; y.len()];
        for &row in test {
            match in_test.get_mut(row) {
                Some(flag) => *flag = true,
                None => {
                    return Err(TreeError::InvalidFold {
                        fold,
                        reason: "names a row past the end of the data",
                    });
                }
            }
        }
        if test.is_empty() {
            return Err(TreeError::InvalidFold {
                fold,
                reason: "is empty",
            });
        }
        let train: Vec<usize> = (0..y.len()).filter(|&row| !in_test[row]).collect();
        if train.is_empty() {
            return Err(TreeError::InvalidFold {
                fold,
                reason: "leaves no rows to train on",
            });
        }
        let train_y: Vec<u32> = train.iter().map(|&row| y[row]).collect();
        let tree = params.fit(&x.select_rows(&train), &train_y, n_classes)?;
        let predicted = tree.predict(&x.select_rows(test));
        let correct = test
            .iter()
            .zip(&predicted)
            .filter(|&(&row, &p)| y[row] == p)
            .count();
        fold_accuracies.push(correct as f64 / test.len() as f64);
    }
    let k = fold_accuracies.len().max(1) as f64;
    let mean = fold_accuracies.iter().sum::<f64>() / k;
    let variance = fold_accuracies
        .iter()
        .map(|a| (a - mean) * (a - mean))
        .sum::<f64>()
        / k;
    Ok(CrossValidation {
        fold_accuracies,
        mean,
        std: variance.sqrt(),
    })
}

//! How well predicted classes agree with the actual ones: confusion matrix, accuracy and
//! per-class precision, recall and F1, as scikit-learn's `classification_report`.

use thiserror::Error;

/// Why a report could not be made.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ClassificationReportError {
    #[error("{actual} actual labels but {predicted} predicted ones")]
    LengthMismatch { actual: usize, predicted: usize },
    #[error("there are no labels to compare")]
    Empty,
    #[error("label {label} at position {index} is not below n_classes = {n_classes}")]
    LabelOutOfRange {
        index: usize,
        label: u32,
        n_classes: usize,
    },
}

/// Scores of one class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScores {
    /// Of the samples predicted as this class, the share that are (0 when none is predicted).
    pub precision: f64,
    /// Of the samples of this class, the share predicted as it (0 when it has none).
    pub recall: f64,
    /// `2·TP / (2·TP + FP + FN)`, the harmonic mean of precision and recall (0 when the class
    /// is neither present nor predicted).
    pub f1: f64,
    /// Samples of this class.
    pub support: u64,
}

/// Confusion matrix and scores of a classification. Where a score divides by zero it is 0.0,
/// as scikit-learn's default `zero_division`, without a warning. Averages run over all
/// `n_classes` classes, present or not (scikit-learn with `labels=range(n_classes)`).
///
/// ```
/// use kehu_models::learn::ClassificationReport;
/// let report = ClassificationReport::new(&[0, 0, 1, 1], &[0, 1, 1, 1], 2).unwrap();
/// assert_eq!(report.accuracy(), 0.75);
/// assert_eq!(report.count(0, 1), 1); // one actual 0 predicted as 1
/// assert_eq!(report.class(1).precision, 2.0 / 3.0);
/// assert_eq!(report.class(0).recall, 0.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationReport {
    n_classes: usize,
    /// Row-major, rows = actual class, columns = predicted class.
    confusion: Vec<u64>,
    classes: Vec<ClassScores>,
    accuracy: f64,
    macro_average: ClassScores,
    weighted_average: ClassScores,
}

impl ClassificationReport {
    pub fn new(
        actual: &[u32],
        predicted: &[u32],
        n_classes: usize,
    ) -> Result<Self, ClassificationReportError> {
        if actual.len() != predicted.len() {
            return Err(ClassificationReportError::LengthMismatch {
                actual: actual.len(),
                predicted: predicted.len(),
            });
        }
        if actual.is_empty() {
            return Err(ClassificationReportError::Empty);
        }
        let mut confusion = vec![0u64; n_classes * n_classes];
        for (index, (&a, &p)) in actual.iter().zip(predicted).enumerate() {
            for label in [a, p] {
                if label as usize >= n_classes {
                    return Err(ClassificationReportError::LabelOutOfRange {
                        index,
                        label,
                        n_classes,
                    });
                }
            }
            confusion[a as usize * n_classes + p as usize] += 1;
        }
        let total = actual.len() as u64;
        let count = |a: usize, p: usize| confusion[a * n_classes + p];
        let ratio = |num: u64, den: u64| {
            if den == 0 {
                0.0
            } else {
                num as f64 / den as f64
            }
        };
        let classes: Vec<ClassScores> = (0..n_classes)
            .map(|c| {
                let tp = count(c, c);
                let support: u64 = (0..n_classes).map(|p| count(c, p)).sum();
                let predicted: u64 = (0..n_classes).map(|a| count(a, c)).sum();
                let (fp, fn_) = (predicted - tp, support - tp);
                ClassScores {
                    precision: ratio(tp, predicted),
                    recall: ratio(tp, support),
                    f1: ratio(2 * tp, 2 * tp + fp + fn_),
                    support,
                }
            })
            .collect();
        let correct: u64 = (0..n_classes).map(|c| count(c, c)).sum();
        let average = |weight: &dyn Fn(&ClassScores) -> f64| {
            let weights: f64 = classes.iter().map(weight).sum();
            let mean = |score: fn(&ClassScores) -> f64| {
                if weights == 0.0 {
                    0.0
                } else {
                    classes.iter().map(|c| weight(c) * score(c)).sum::<f64>() / weights
                }
            };
            ClassScores {
                precision: mean(|c| c.precision),
                recall: mean(|c| c.recall),
                f1: mean(|c| c.f1),
                support: total,
            }
        };
        let macro_average = average(&|_| 1.0);
        let weighted_average = average(&|c| c.support as f64);
        Ok(Self {
            n_classes,
            confusion,
            classes,
            accuracy: correct as f64 / total as f64,
            macro_average,
            weighted_average,
        })
    }

    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Samples of class `actual` predicted as `predicted`.
    ///
    /// # Panics
    /// If either class is not below `n_classes`.
    pub fn count(&self, actual: usize, predicted: usize) -> u64 {
        assert!(actual < self.n_classes && predicted < self.n_classes);
        self.confusion[actual * self.n_classes + predicted]
    }

    /// The confusion matrix, one row per actual class, one column per predicted class.
    pub fn confusion_matrix(&self) -> Vec<Vec<u64>> {
        self.confusion
            .chunks(self.n_classes.max(1))
            .map(<[u64]>::to_vec)
            .collect()
    }

    /// Share of samples predicted correctly.
    pub fn accuracy(&self) -> f64 {
        self.accuracy
    }

    /// Scores of class `class`.
    ///
    /// # Panics
    /// If `class` is not below `n_classes`.
    pub fn class(&self, class: usize) -> ClassScores {
        self.classes[class]
    }

    /// Scores of every class, class 0 first.
    pub fn classes(&self) -> &[ClassScores] {
        &self.classes
    }

    /// Unweighted mean over the classes (support: all samples).
    pub fn macro_average(&self) -> ClassScores {
        self.macro_average
    }

    /// Mean over the classes weighted by their support (support: all samples).
    pub fn weighted_average(&self) -> ClassScores {
        self.weighted_average
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sklearn_on_a_three_class_example() {
        // sklearn.metrics.classification_report(y_true, y_pred, output_dict=True), 1.9.1.
        let actual = [0, 1, 2, 2, 2, 0, 1, 1, 0, 2];
        let predicted = [0, 2, 2, 2, 1, 0, 1, 0, 0, 2];
        let r = ClassificationReport::new(&actual, &predicted, 3).expect("valid test data");
        assert_eq!(r.accuracy(), 0.7);
        assert_eq!(
            r.confusion_matrix(),
            vec![vec![3, 0, 0], vec![1, 1, 1], vec![0, 1, 3]]
        );
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(r.class(0).precision, 0.75);
        close(r.class(1).recall, 1.0 / 3.0);
        close(r.class(2).f1, 0.75);
        close(r.macro_average().f1, (6.0 / 7.0 + 0.4 + 0.75) / 3.0);
        close(
            r.weighted_average().precision,
            (3.0 * 0.75 + 3.0 * 0.5 + 4.0 * 0.75) / 10.0,
        );
    }

    #[test]
    fn classes_never_seen_score_zero() {
        let r = ClassificationReport::new(&[0, 0], &[0, 0], 3).expect("valid test data");
        assert_eq!(r.class(1).precision, 0.0);
        assert_eq!(r.class(2).f1, 0.0);
        assert_eq!(r.class(0).f1, 1.0);
        assert_eq!(r.macro_average().f1, 1.0 / 3.0);
        assert_eq!(r.weighted_average().f1, 1.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(ClassificationReport::new(&[0], &[0, 1], 2).is_err());
        assert!(ClassificationReport::new(&[], &[], 2).is_err());
        assert!(ClassificationReport::new(&[0, 2], &[0, 1], 2).is_err());
    }
}

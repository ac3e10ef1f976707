//! Seeded train/test splits and stratified k-fold indices. The same seed gives the same split
//! on every platform and version (ChaCha8), and every row lands in exactly one part.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

/// Why a split could not be made.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SplitError {
    #[error("test share {share} is not strictly between 0 and 1")]
    TestShare { share: f64 },
    #[error("{n} rows cannot be split into {parts} non-empty parts")]
    TooFewRows { n: usize, parts: usize },
    #[error("{labels} stratification labels given for {n} rows")]
    LabelCount { labels: usize, n: usize },
    #[error("k-fold needs at least 2 folds, got {k}")]
    TooFewFolds { k: usize },
}

/// Splits rows `0..n` into (train, test), each sorted ascending. The test part has
/// `ceil(test_share · n)` rows (scikit-learn's rounding), at least 1 and at most `n - 1`.
/// With `stratify`, each label's rows are shuffled separately and the test rows are shared out
/// among the labels in proportion to their size (largest remainders, ties to the lower label),
/// so both parts keep the class mix.
pub fn train_test_split(
    n: usize,
    test_share: f64,
    seed: u64,
    stratify: Option<&[u32]>,
) -> Result<(Vec<usize>, Vec<usize>), SplitError> {
    if !(test_share > 0.0 && test_share < 1.0) {
        return Err(SplitError::TestShare { share: test_share });
    }
    if n < 2 {
        return Err(SplitError::TooFewRows { n, parts: 2 });
    }
    let n_test = ((test_share * n as f64).ceil() as usize).clamp(1, n - 1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut test = match stratify {
        None => {
            let mut rows: Vec<usize> = (0..n).collect();
            rows.shuffle(&mut rng);
            rows.truncate(n_test);
            rows
        }
        Some(labels) => {
            let groups = groups(labels, n)?;
            let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
            let quotas = proportional_quotas(&sizes, n_test);
            let mut test = Vec::with_capacity(n_test);
            for (mut rows, quota) in groups.into_iter().zip(quotas) {
                rows.shuffle(&mut rng);
                test.extend_from_slice(&rows[..quota]);
            }
            test
        }
    };
    test.sort_unstable();
    let mut in_test = vec![false; n];
    for &row in &test {
        in_test[row] = true;
    }
    let train = (0..n).filter(|&row| !in_test[row]).collect();
    Ok((train, test))
}

/// Stratified k-fold: the test rows of each of `k` folds (each sorted ascending). Each label's
/// rows are shuffled, the labels' lists are laid end to end (label 0 first) and dealt to the
/// folds in turn, so fold sizes and each label's count per fold differ by at most one.
pub fn stratified_k_folds(
    labels: &[u32],
    k: usize,
    seed: u64,
) -> Result<Vec<Vec<usize>>, SplitError> {
    if k < 2 {
        return Err(SplitError::TooFewFolds { k });
    }
    if labels.len() < k {
        return Err(SplitError::TooFewRows {
            n: labels.len(),
            parts: k,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds = vec![Vec::new(); k];
    let mut next = 0;
    for mut rows in groups(labels, labels.len())? {
        rows.shuffle(&mut rng);
        for row in rows {
            folds[next % k].push(row);
            next += 1;
        }
    }
    for fold in &mut folds {
        fold.sort_unstable();
    }
    Ok(folds)
}

/// The rows of each label, ascending, labels in increasing order (empty labels kept).
fn groups(labels: &[u32], n: usize) -> Result<Vec<Vec<usize>>, SplitError> {
    if labels.len() != n {
        return Err(SplitError::LabelCount {
            labels: labels.len(),
            n,
        });
    }
    let n_labels = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut groups = vec![Vec::new(); n_labels];
    for (row, &label) in labels.iter().enumerate() {
        groups[label as usize].push(row);
    }
    Ok(groups)
}

/// Shares `total` out in proportion to `sizes` by largest remainders (ties: lower index), never
/// giving a group more than its size.
fn proportional_quotas(sizes: &[usize], total: usize) -> Vec<usize> {
    let n: usize = sizes.iter().sum();
    let mut quotas: Vec<usize> = sizes.iter().map(|&s| s * total / n.max(1)).collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    // Remainder of group i is (s_i · total) mod n; larger first.
    order.sort_by_key(|&i| std::cmp::Reverse((sizes[i] * total) % n.max(1)));
    let mut missing = total - quotas.iter().sum::<usize>();
    for &i in order.iter().cycle().take(sizes.len() * 2) {
        if missing == 0 {
            break;
        }
        if quotas[i] < sizes[i] {
            quotas[i] += 1;
            missing -= 1;
        }
    }
    quotas
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn same_seed_same_split() {
        let a = train_test_split(100, 0.2, 7, None).expect("valid test data");
        let b = train_test_split(100, 0.2, 7, None).expect("valid test data");
        assert_eq!(a, b);
        assert_eq!(a.1.len(), 20);
        assert_ne!(
            a,
            train_test_split(100, 0.2, 8, None).expect("valid test data")
        );
    }

    #[test]
    fn stratified_split_keeps_the_class_mix() {
        let labels: Vec<u32> = (0..1000).map(|i| u32::from(i % 10 == 0)).collect();
        let (train, test) =
            train_test_split(1000, 0.25, 1, Some(&labels)).expect("valid test data");
        assert_eq!(test.len(), 250);
        assert_eq!(test.iter().filter(|&&r| labels[r] == 1).count(), 25);
        assert_eq!(train.len(), 750);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(train_test_split(10, 0.0, 1, None).is_err());
        assert!(train_test_split(10, 1.0, 1, None).is_err());
        assert!(train_test_split(1, 0.5, 1, None).is_err());
        assert!(train_test_split(3, 0.5, 1, Some(&[0, 1])).is_err());
        assert!(stratified_k_folds(&[0, 1, 0], 1, 1).is_err());
        assert!(stratified_k_folds(&[0, 1], 3, 1).is_err());
    }

    proptest! {
        #[test]
        fn every_row_lands_in_exactly_one_part(
            labels in prop::collection::vec(0u32..4, 2..300),
            share in 0.05f64..0.95,
            seed in any::<u64>(),
            stratify in any::<bool>(),
        ) {
            let n = labels.len();
            let (train, test) =
                train_test_split(n, share, seed, stratify.then_some(labels.as_slice())).expect("valid test data");
            let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
            prop_assert_eq!(test.len(), ((share * n as f64).ceil() as usize).clamp(1, n - 1));
        }

        #[test]
        fn folds_partition_the_rows_and_balance_each_class(
            labels in prop::collection::vec(0u32..3, 10..300),
            k in 2usize..8,
            seed in any::<u64>(),
        ) {
            let folds = stratified_k_folds(&labels, k, seed).expect("valid test data");
            let mut all: Vec<usize> = folds.concat();
            all.sort_unstable();
            prop_assert_eq!(all, (0..labels.len()).collect::<Vec<_>>());
            for class in 0..3u32 {
                let counts: Vec<usize> = folds
                    .iter()
                    .map(|f| f.iter().filter(|&&r| labels[r] == class).count())
                    .collect();
                let (min, max) = (counts.iter().min().expect("valid test data"), counts.iter().max().expect("valid test data"));
                prop_assert!(max - min <= 1);
            }
            let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
            prop_assert!(sizes.iter().max().expect("valid test data") - sizes.iter().min().expect("valid test data") <= 1);
        }
    }
}

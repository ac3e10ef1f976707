//! Finding a node's best split: the impurity measures, written exactly as scikit-learn's
//! `_criterion.pyx` writes them (same operations in the same order, so that equal class counts
//! give bit-equal scores), and the exact scan of one feature's sorted values.

use super::params::Criterion;

/// One sample as seen from one feature: its value there, its row and its label. Each feature
/// keeps its node's samples sorted by value, missing values (NaN) last.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Entry {
    pub value: f64,
    pub row: u32,
    pub label: u32,
}

/// How much a sample counts.
pub(super) trait Weigh: Sync {
    fn weight(&self, entry: &Entry) -> f64;
}

/// The weight of the sample's class (all 1 without class weights).
#[derive(Debug)]
pub(super) struct ClassWeights<'a>(pub &'a [f64]);

impl Weigh for ClassWeights<'_> {
    #[inline]
    fn weight(&self, entry: &Entry) -> f64 {
        self.0[entry.label as usize]
    }
}

/// One weight per row (sample weight × class weight).
#[derive(Debug)]
pub(super) struct RowWeights<'a>(pub &'a [f64]);

impl Weigh for RowWeights<'_> {
    #[inline]
    fn weight(&self, entry: &Entry) -> f64 {
        self.0[entry.row as usize]
    }
}

/// The class totals of a node's samples.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NodeStats {
    pub n: usize,
    pub weighted_n: f64,
    pub class_weights: Vec<f64>,
    pub class_counts: Vec<u64>,
    pub impurity: f64,
}

impl NodeStats {
    pub fn of(
        entries: &[Entry],
        weigh: &impl Weigh,
        n_classes: usize,
        criterion: Criterion,
    ) -> Self {
        let mut class_weights = vec![0.0; n_classes];
        let mut class_counts = vec![0u64; n_classes];
        let mut weighted_n = 0.0;
        for entry in entries {
            let w = weigh.weight(entry);
            class_weights[entry.label as usize] += w;
            class_counts[entry.label as usize] += 1;
            weighted_n += w;
        }
        let impurity = node_impurity(criterion, &class_weights, weighted_n);
        Self {
            n: entries.len(),
            weighted_n,
            class_weights,
            class_counts,
            impurity,
        }
    }
}

/// scikit-learn's `log`: base 2, as `ln(x) / ln(2)`.
fn log2(x: f64) -> f64 {
    x.ln() / std::f64::consts::LN_2
}

/// Impurity of a node with weighted class totals `sums` (scikit-learn's `node_impurity`).
pub(super) fn node_impurity(criterion: Criterion, sums: &[f64], weighted_n: f64) -> f64 {
    match criterion {
        Criterion::Gini => {
            let square_sum: f64 = sums.iter().fold(0.0, |acc, &c| acc + c * c);
            1.0 - square_sum / (weighted_n * weighted_n)
        }
        Criterion::Entropy => sums.iter().fold(0.0, |acc, &c| {
            if c > 0.0 {
                let p = c / weighted_n;
                acc - p * log2(p)
            } else {
                acc
            }
        }),
    }
}

/// Impurities of the two children when the left one holds `left` of the node's `total`
/// (scikit-learn's `children_impurity`; the right totals are `total - left`).
#[inline]
fn children_impurity(
    criterion: Criterion,
    left: &[f64],
    total: &[f64],
    weighted_left: f64,
    weighted_right: f64,
) -> (f64, f64) {
    match criterion {
        Criterion::Gini => {
            let mut square_left = 0.0;
            let mut square_right = 0.0;
            for (&l, &t) in left.iter().zip(total) {
                square_left += l * l;
                let r = t - l;
                square_right += r * r;
            }
            (
                1.0 - square_left / (weighted_left * weighted_left),
                1.0 - square_right / (weighted_right * weighted_right),
            )
        }
        Criterion::Entropy => {
            let mut entropy_left = 0.0;
            let mut entropy_right = 0.0;
            for (&l, &t) in left.iter().zip(total) {
                if l > 0.0 {
                    let p = l / weighted_left;
                    entropy_left -= p * log2(p);
                }
                let r = t - l;
                if r > 0.0 {
                    let p = r / weighted_right;
                    entropy_right -= p * log2(p);
                }
            }
            (entropy_left, entropy_right)
        }
    }
}

/// The score splits are ranked by within a node: the impurity decrease up to terms that are the
/// same for every split of the node (scikit-learn's `proxy_impurity_improvement`).
#[inline]
fn proxy_improvement(
    criterion: Criterion,
    left: &[f64],
    total: &[f64],
    weighted_left: f64,
    weighted_right: f64,
) -> f64 {
    let (impurity_left, impurity_right) =
        children_impurity(criterion, left, total, weighted_left, weighted_right);
    -weighted_right * impurity_right - weighted_left * impurity_left
}

/// The weighted impurity decrease of a split, relative to the whole training set (scikit-learn's
/// `impurity_improvement`, the number `min_impurity_decrease` and the importances use).
pub(super) fn improvement(
    parent: &NodeStats,
    left: &NodeStats,
    right: &NodeStats,
    weighted_root: f64,
) -> f64 {
    let wn = parent.weighted_n;
    (wn / weighted_root)
        * (parent.impurity
            - right.weighted_n / wn * right.impurity
            - left.weighted_n / wn * left.impurity)
}

/// The best split of a node on one feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct FeatureSplit {
    pub proxy: f64,
    pub n_left: usize,
    pub threshold: f64,
}

/// Scans one feature's entries of a node (sorted, NaN last) and returns its best split, if any
/// split leaves `min_samples_leaf` samples on both sides. Candidates lie between consecutive
/// distinct values, at the midpoint computed as scikit-learn does (`a / 2 + b / 2`, and `a` if
/// that rounds to `b`); the samples `<=` the threshold go left. If the node has missing values,
/// "every present value left, every missing one right" is a candidate too, with threshold +∞.
/// Equal scores: the lowest threshold wins (the scan keeps only strictly better ones).
pub(super) fn best_split_on(
    entries: &[Entry],
    parent: &NodeStats,
    criterion: Criterion,
    min_samples_leaf: usize,
    weigh: &impl Weigh,
) -> Option<FeatureSplit> {
    let n = entries.len();
    let present = entries.partition_point(|e| !e.value.is_nan());
    let total = &parent.class_weights;
    let mut left = vec![0.0; total.len()];
    let mut weighted_left = 0.0;
    let mut best: Option<(f64, usize)> = None;
    let mut best_proxy = f64::NEG_INFINITY;
    let last_position = n.saturating_sub(min_samples_leaf);
    if present >= 2 && entries[0].value < entries[present - 1].value {
        for (i, pair) in entries[..present].windows(2).enumerate() {
            let (current, next) = (&pair[0], &pair[1]);
            let w = weigh.weight(current);
            left[current.label as usize] += w;
            weighted_left += w;
            // Left gets positions 0..=i, so n_left = i + 1.
            let n_left = i + 1;
            if n_left > last_position {
                break;
            }
            if n_left < min_samples_leaf || next.value <= current.value {
                continue;
            }
            let weighted_right = parent.weighted_n - weighted_left;
            if weighted_left <= 0.0 || weighted_right <= 0.0 {
                continue;
            }
            let proxy = proxy_improvement(criterion, &left, total, weighted_left, weighted_right);
            if proxy > best_proxy {
                best_proxy = proxy;
                best = Some((proxy, n_left));
            }
        }
    }
    let mut found = best.map(|(proxy, n_left)| {
        let (a, b) = (entries[n_left - 1].value, entries[n_left].value);
        let mut threshold = a / 2.0 + b / 2.0;
        if threshold == b || threshold.is_infinite() {
            threshold = a;
        }
        FeatureSplit {
            proxy,
            n_left,
            threshold,
        }
    });
    let missing_split_allowed = present > 0
        && present < n
        && present >= min_samples_leaf
        && n - present >= min_samples_leaf;
    if missing_split_allowed
        && let Some(missing) = missing_split(entries, present, parent, criterion, weigh)
        && missing.proxy > best_proxy
    {
        found = Some(missing);
    }
    found
}

/// "Present values left, missing right", scored like any other split.
fn missing_split(
    entries: &[Entry],
    present: usize,
    parent: &NodeStats,
    criterion: Criterion,
    weigh: &impl Weigh,
) -> Option<FeatureSplit> {
    let total = &parent.class_weights;
    let mut right = vec![0.0; total.len()];
    let mut weighted_right = 0.0;
    for entry in &entries[present..] {
        let w = weigh.weight(entry);
        right[entry.label as usize] += w;
        weighted_right += w;
    }
    let left: Vec<f64> = total.iter().zip(&right).map(|(t, r)| t - r).collect();
    let weighted_left = parent.weighted_n - weighted_right;
    if weighted_left <= 0.0 || weighted_right <= 0.0 {
        return None;
    }
    Some(FeatureSplit {
        proxy: proxy_improvement(criterion, &left, total, weighted_left, weighted_right),
        n_left: present,
        threshold: f64::INFINITY,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(values: &[f64], labels: &[u32]) -> Vec<Entry> {
        values
            .iter()
            .zip(labels)
            .enumerate()
            .map(|(row, (&value, &label))| Entry {
                value,
                row: row as u32,
                label,
            })
            .collect()
    }

    fn stats(entries: &[Entry]) -> NodeStats {
        NodeStats::of(entries, &ClassWeights(&[1.0, 1.0]), 2, Criterion::Gini)
    }

    #[test]
    fn gini_and_entropy_of_a_balanced_node() {
        assert_eq!(node_impurity(Criterion::Gini, &[5.0, 5.0], 10.0), 0.5);
        assert_eq!(node_impurity(Criterion::Entropy, &[5.0, 5.0], 10.0), 1.0);
        assert_eq!(node_impurity(Criterion::Entropy, &[0.0, 4.0], 4.0), 0.0);
    }

    #[test]
    fn splits_between_distinct_values_at_the_midpoint() {
        let e = entries(&[1.0, 1.0, 2.0, 4.0, 4.0], &[0, 0, 0, 1, 1]);
        let split = best_split_on(&e, &stats(&e), Criterion::Gini, 1, &ClassWeights(&[1.0; 2]));
        assert_eq!(split.map(|s| (s.n_left, s.threshold)), Some((3, 3.0)));
        // min_samples_leaf = 3 leaves no valid position between distinct values but 2|3.
        let split = best_split_on(&e, &stats(&e), Criterion::Gini, 3, &ClassWeights(&[1.0; 2]));
        assert_eq!(split, None);
    }

    #[test]
    fn midpoint_that_rounds_to_the_upper_value_falls_back_to_the_lower() {
        let a = 1.0f64;
        let b = f64::from_bits(a.to_bits() + 1);
        let e = entries(&[a, b], &[0, 1]);
        let split = best_split_on(&e, &stats(&e), Criterion::Gini, 1, &ClassWeights(&[1.0; 2]));
        assert_eq!(split.map(|s| s.threshold), Some(a));
    }

    #[test]
    fn missing_values_can_be_split_off_on_their_own() {
        let e = entries(&[1.0, 2.0, 3.0, f64::NAN, f64::NAN], &[0, 0, 0, 1, 1]);
        let split = best_split_on(&e, &stats(&e), Criterion::Gini, 1, &ClassWeights(&[1.0; 2]));
        assert_eq!(
            split.map(|s| (s.n_left, s.threshold)),
            Some((3, f64::INFINITY))
        );
    }

    #[test]
    fn a_constant_feature_has_no_split() {
        let e = entries(&[2.0, 2.0, 2.0], &[0, 1, 0]);
        let split = best_split_on(&e, &stats(&e), Criterion::Gini, 1, &ClassWeights(&[1.0; 2]));
        assert_eq!(split, None);
    }
}

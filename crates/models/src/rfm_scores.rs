//! RFM scores and value tiers with a deterministic tie rule.
//!
//! With `n` customers and `rank` the 1-based *minimum* rank (ties share the lowest rank, as
//! SQL `RANK()`, pandas `rank(method="min")`, Polars `rank("min")`):
//! `score = (rank - 1) * 5 / n + 1` in integers, so every tied value gets the same score —
//! unlike NTILE or `qcut`, which split ties arbitrarily (a fifth of customers often have
//! exactly one order).

/// Which way a score runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Smallest value ranks first (frequency and monetary: more is better, scored 5).
    Ascending,
    /// Largest value ranks first (recency in days: fewer days is better, scored 5).
    Descending,
}

/// 1-based minimum ranks of `values` in `order`; equal values share the lowest rank.
/// NaN ranks after every number in either order.
///
/// ```
/// use kehu_models::{rank_min, Order};
/// assert_eq!(rank_min(&[10.0, 30.0, 10.0, 20.0], Order::Ascending), vec![1, 4, 1, 3]);
/// ```
pub fn rank_min(values: &[f64], order: Order) -> Vec<u64> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    let key = |i: usize| match order {
        Order::Ascending => values[i],
        Order::Descending => -values[i],
    };
    idx.sort_by(|&a, &b| {
        let (x, y) = (key(a), key(b));
        match (x.is_nan(), y.is_nan()) {
            (false, false) => x.total_cmp(&y),
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
        }
    });
    let mut ranks = vec![0u64; values.len()];
    let mut start = 0;
    while start < idx.len() {
        let mut end = start + 1;
        let same = |a: usize, b: usize| {
            values[a] == values[b] || (values[a].is_nan() && values[b].is_nan())
        };
        while end < idx.len() && same(idx[end], idx[start]) {
            end += 1;
        }
        for &i in &idx[start..end] {
            ranks[i] = start as u64 + 1;
        }
        start = end;
    }
    ranks
}

/// RFM scores 1–5: `(rank_min - 1) * 5 / n + 1`.
///
/// ```
/// use kehu_models::{quintile_scores, Order};
/// // Recency in days: the most recent customer scores 5.
/// assert_eq!(quintile_scores(&[3.0, 400.0, 40.0, 90.0, 10.0], Order::Descending), vec![5, 1, 3, 2, 4]);
/// ```
pub fn quintile_scores(values: &[f64], order: Order) -> Vec<u8> {
    let n = values.len() as u64;
    rank_min(values, order)
        .into_iter()
        .map(|r| ((r - 1) * 5 / n + 1) as u8)
        .collect()
}

/// A customer's value tier by revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValueTier {
    /// The top 20% by revenue (ties share a tier).
    High,
    /// The next 30%.
    Mid,
    /// The rest.
    Low,
}

impl ValueTier {
    /// The stable label code.
    pub fn code(self) -> &'static str {
        match self {
            ValueTier::High => "high",
            ValueTier::Mid => "mid",
            ValueTier::Low => "low",
        }
    }
}

/// Value tiers: with `k = rank_min(revenue, descending) - 1`, `high` if `5k < n`, `mid` if
/// `2k < n`, else `low`.
pub fn value_tiers(revenue: &[f64]) -> Vec<ValueTier> {
    let n = revenue.len() as u64;
    rank_min(revenue, Order::Descending)
        .into_iter()
        .map(|r| {
            let k = r - 1;
            if k * 5 < n {
                ValueTier::High
            } else if k * 2 < n {
                ValueTier::Mid
            } else {
                ValueTier::Low
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ties_share_the_score() {
        // Half the customers bought once: all of them get the same frequency score.
        let f = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0];
        assert_eq!(
            quintile_scores(&f, Order::Ascending),
            vec![1, 1, 1, 1, 1, 3, 4, 4, 5, 5]
        );
    }

    #[test]
    fn tiers_split_top_fifth_and_next_three_tenths() {
        let revenue: Vec<f64> = (1..=10).map(f64::from).collect();
        let tiers = value_tiers(&revenue);
        assert_eq!(tiers.iter().filter(|t| **t == ValueTier::High).count(), 2);
        assert_eq!(tiers.iter().filter(|t| **t == ValueTier::Mid).count(), 3);
        assert_eq!(tiers[9], ValueTier::High);
        assert_eq!(tiers[0], ValueTier::Low);
    }

    #[test]
    fn empty_and_single() {
        assert!(quintile_scores(&[], Order::Ascending).is_empty());
        assert_eq!(quintile_scores(&[7.0], Order::Descending), vec![1]);
        assert_eq!(value_tiers(&[7.0]), vec![ValueTier::High]);
    }

    proptest! {
        #[test]
        fn scores_are_in_range_and_monotone(values in prop::collection::vec(0u32..50, 1..200)) {
            let v: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
            let s = quintile_scores(&v, Order::Ascending);
            for i in 0..v.len() {
                prop_assert!((1..=5).contains(&s[i]));
                for j in 0..v.len() {
                    if v[i] < v[j] { prop_assert!(s[i] <= s[j]); }
                    if v[i] == v[j] { prop_assert_eq!(s[i], s[j]); }
                }
            }
        }

        #[test]
        fn permuting_customers_permutes_scores(values in prop::collection::vec(0u32..20, 1..100), seed in 0usize..1000) {
            let v: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
            let mut order: Vec<usize> = (0..v.len()).collect();
            order.rotate_left(seed % v.len());
            let permuted: Vec<f64> = order.iter().map(|&i| v[i]).collect();
            let s = quintile_scores(&v, Order::Descending);
            let p = quintile_scores(&permuted, Order::Descending);
            for (k, &i) in order.iter().enumerate() {
                prop_assert_eq!(p[k], s[i]);
            }
        }
    }
}

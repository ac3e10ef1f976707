//! Splitting customers into ordered bands: by rank share, by share of revenue (ABC), by fixed
//! edges, and high/low against a reference value.

use crate::rfm_scores::{Order, rank_min};

/// Shares are compared in basis points (1/10,000) with integer arithmetic, so that a share of
/// 0.2 means exactly "rank − 1 < n / 5" with no floating-point edge at the boundary.
const BASIS_POINTS: f64 = 10_000.0;

fn basis_points(share: f64) -> u128 {
    (share * BASIS_POINTS).round().max(0.0) as u128
}

/// Bands by rank share: with `k = rank_min − 1` in `order` (ties share the lowest rank, so a
/// tie never straddles two bands), a value falls in the first band `i` with
/// `k < cumulative_shares[i] × n`; past the last share it falls in band `cumulative_shares.len()`.
///
/// `[0.2, 0.5]` on revenue descending is the value-tier rule of `../shared/bench`
/// (top 20% / next 30% / rest).
///
/// ```
/// use kehu_models::{rank_share_bands, Order};
/// let revenue = [10.0, 50.0, 20.0, 40.0, 30.0];
/// assert_eq!(rank_share_bands(&revenue, Order::Descending, &[0.2, 0.6]), vec![2, 0, 2, 1, 1]);
/// ```
pub fn rank_share_bands(values: &[f64], order: Order, cumulative_shares: &[f64]) -> Vec<usize> {
    let n = values.len() as u128;
    let limits: Vec<u128> = cumulative_shares.iter().map(|&s| basis_points(s)).collect();
    rank_min(values, order)
        .into_iter()
        .map(|rank| {
            let k = u128::from(rank - 1) * BASIS_POINTS as u128;
            limits
                .iter()
                .position(|&limit| k < limit * n)
                .unwrap_or(limits.len())
        })
        .collect()
}

/// Bands by share of the total: customers sorted by `amounts` descending, a customer falls in
/// the first band `i` whose cumulative share has not been reached *before* it (so the customer
/// who crosses 80% is still an A). Tied amounts share the band of the first of them; amounts
/// ≤ 0 always fall in the last band. Amounts are exact integers (money in 1/10,000 units).
///
/// ```
/// use kehu_models::share_of_total_bands;
/// // 60 + 25 = 85 ≥ 80: the first two make the A band.
/// assert_eq!(share_of_total_bands(&[60, 10, 25, 5], &[0.8, 0.95]), vec![0, 1, 0, 2]);
/// ```
pub fn share_of_total_bands(amounts: &[i128], cumulative_shares: &[f64]) -> Vec<usize> {
    let last = cumulative_shares.len();
    let total: i128 = amounts.iter().filter(|&&a| a > 0).sum();
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    order.sort_by(|&a, &b| amounts[b].cmp(&amounts[a]));
    let limits: Vec<i128> = cumulative_shares
        .iter()
        .map(|&s| basis_points(s) as i128)
        .collect();
    let mut bands = vec![last; amounts.len()];
    let mut before: i128 = 0;
    let mut start = 0;
    while start < order.len() {
        let amount = amounts[order[start]];
        let mut end = start + 1;
        while end < order.len() && amounts[order[end]] == amount {
            end += 1;
        }
        let band = if amount <= 0 || total <= 0 {
            last
        } else {
            // before / total < limit / 10,000, in integers.
            limits
                .iter()
                .position(|&limit| before * (BASIS_POINTS as i128) < limit * total)
                .unwrap_or(last)
        };
        for &i in &order[start..end] {
            bands[i] = band;
        }
        before += amount * (end - start) as i128;
        start = end;
    }
    bands
}

/// Bands by fixed edges: the band of `v` is the number of edges `e` with `e < v`, so edges
/// `[1, 3]` give `v ≤ 1 → 0`, `1 < v ≤ 3 → 1`, `v > 3 → 2`. Edges must be ascending.
///
/// ```
/// use kehu_models::edge_bands;
/// assert_eq!(edge_bands(&[0.5, 1.0, 2.0, 9.0], &[1.0, 3.0]), vec![0, 0, 1, 2]);
/// ```
pub fn edge_bands(values: &[f64], edges: &[f64]) -> Vec<usize> {
    values
        .iter()
        .map(|&v| edges.iter().take_while(|&&e| e < v).count())
        .collect()
}

/// The value a feature is judged high or low against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reference {
    /// The arithmetic mean over the customers judged.
    Mean,
    /// The median (mean of the two middle values for an even count).
    Median,
    /// A value set by the user.
    Value(f64),
}

impl Reference {
    /// The reference value of `values` (NaN ignored); `None` when nothing is left.
    pub fn of(self, values: &[f64]) -> Option<f64> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        match self {
            Reference::Value(x) => Some(x),
            _ if v.is_empty() => None,
            Reference::Mean => {
                // Summed in sorted order, so that the mean does not depend on row order.
                v.sort_by(f64::total_cmp);
                Some(v.iter().sum::<f64>() / v.len() as f64)
            }
            Reference::Median => {
                v.sort_by(f64::total_cmp);
                let mid = v.len() / 2;
                Some(if v.len() % 2 == 1 {
                    v[mid]
                } else {
                    (v[mid - 1] + v[mid]) / 2.0
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value_tiers;
    use proptest::prelude::*;

    #[test]
    fn abc_ties_share_a_band_and_non_positive_amounts_are_last() {
        assert_eq!(
            share_of_total_bands(&[40, 40, 20, 0, -5], &[0.5, 0.9]),
            vec![0, 0, 1, 2, 2]
        );
        assert_eq!(share_of_total_bands(&[], &[0.8]), Vec::<usize>::new());
        assert_eq!(share_of_total_bands(&[-1, 0], &[0.8]), vec![1, 1]);
    }

    #[test]
    fn reference_values() {
        assert_eq!(Reference::Mean.of(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(Reference::Median.of(&[1.0, 2.0, 6.0, 7.0]), Some(4.0));
        assert_eq!(Reference::Median.of(&[]), None);
        assert_eq!(Reference::Value(5.0).of(&[]), Some(5.0));
    }

    proptest! {
        #[test]
        fn rank_share_bands_reproduce_the_value_tier_rule(values in prop::collection::vec(0u32..30, 1..300)) {
            let v: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
            let bands = rank_share_bands(&v, Order::Descending, &[0.2, 0.5]);
            let tiers = value_tiers(&v);
            for (b, t) in bands.iter().zip(&tiers) {
                prop_assert_eq!(*b, *t as usize);
            }
        }

        #[test]
        fn abc_bands_are_monotone_in_amount(values in prop::collection::vec(-10i128..1000, 1..200)) {
            let bands = share_of_total_bands(&values, &[0.8, 0.95]);
            for i in 0..values.len() {
                for j in 0..values.len() {
                    if values[i] > values[j] { prop_assert!(bands[i] <= bands[j]); }
                    if values[i] == values[j] { prop_assert_eq!(bands[i], bands[j]); }
                }
            }
        }
    }
}

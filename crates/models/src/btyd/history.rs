//! The inputs of the customer-base models: one row per customer in the BTYD convention, and
//! the table of distinct rows with counts that the likelihoods are summed over.

use rayon::prelude::*;

use super::distinct_rows::{dense_index, for_each_distinct};
use super::error::ModelError;

/// One customer's purchase history in a calibration period, in the BTYD convention
/// (lifetimes' `frequency`, `recency`, `T`; time in the model's unit, days or weeks).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepeatHistory {
    /// x: repeat purchases (purchase periods after the first).
    pub frequency: u32,
    /// t_x: time from the first purchase to the last one (0 when x = 0).
    pub recency: f64,
    /// T: time from the first purchase to the end of the calibration period.
    pub age: f64,
}

impl RepeatHistory {
    pub fn new(frequency: u32, recency: f64, age: f64) -> Self {
        Self {
            frequency,
            recency,
            age,
        }
    }

    /// The reason this history cannot come from the model, if any.
    pub fn problem(&self) -> Option<&'static str> {
        if !(self.recency.is_finite() && self.age.is_finite()) {
            Some("recency and age must be finite numbers")
        } else if self.recency < 0.0 || self.age < 0.0 {
            Some("recency and age must not be negative")
        } else if self.recency > self.age * (1.0 + 1e-12) {
            Some("recency is greater than age (last purchase after the end of the period)")
        } else if self.frequency > 0 && self.recency <= 0.0 {
            Some("a customer with repeat purchases must have recency > 0")
        } else if self.frequency == 0 && self.recency != 0.0 {
            Some("a customer without repeat purchases must have recency 0")
        } else {
            None
        }
    }

    /// `problem().is_none()` without branches, for the fast pass over all rows: with the
    /// times finite and not negative, "t_x > 0 when x > 0 and t_x = 0 when x = 0" is
    /// (x = 0) = (t_x = 0).
    fn is_valid(&self) -> bool {
        let finite = self.recency.is_finite() & self.age.is_finite();
        let not_negative = (self.recency >= 0.0) & (self.age >= 0.0);
        let in_period = self.recency <= self.age * (1.0 + 1e-12);
        let repeat_purchases_have_recency = (self.frequency == 0) == (self.recency == 0.0);
        finite & not_negative & in_period & repeat_purchases_have_recency
    }
}

/// Checks every history; the first bad one is an error naming its position.
///
/// A branch-free check of every row in parallel chunks first, and only if one fails the
/// row-by-row check that names the first problem: 1M rows in ~3 ms where the row-by-row
/// check alone took 11–17 ms (bench's 1M summary, 2-core machine under load).
pub fn validate_histories(histories: &[RepeatHistory]) -> Result<(), ModelError> {
    if histories.is_empty() {
        return Err(ModelError::NoCustomers);
    }
    if all_rows(histories, RepeatHistory::is_valid) {
        return Ok(());
    }
    for (index, h) in histories.iter().enumerate() {
        if let Some(reason) = h.problem() {
            return Err(ModelError::InvalidHistory {
                index,
                reason: reason.to_string(),
            });
        }
    }
    Ok(())
}

/// Whether `valid` holds for every row, in chunks without early exit inside a chunk (so the
/// loop has no branches), the chunks in parallel.
fn all_rows<T: Sync>(rows: &[T], valid: impl Fn(&T) -> bool + Sync) -> bool {
    rows.par_chunks(4096)
        .all(|chunk| chunk.iter().fold(true, |all, row| all & valid(row)))
}

/// Distinct (x, t_x, T) rows with how many customers share each, times divided by `scale`.
///
/// The likelihood is a sum over customers, so customers with the same history contribute
/// identical terms: summing over distinct rows with weights is exact and, for data in whole
/// days or weeks, many times smaller.
#[derive(Clone, Debug)]
pub(crate) struct Patterns {
    pub frequency: Vec<u32>,
    pub recency: Vec<f64>,
    pub age: Vec<f64>,
    pub weight: Vec<f64>,
    pub max_frequency: u32,
    /// The distinct values of `age`, and each row's position among them: terms of T alone
    /// (ln(α+T) and 1/(α+T) in BG/NBD's curvature) are computed once per distinct T.
    pub ages: Vec<f64>,
    pub age_index: Vec<u32>,
}

impl Patterns {
    /// Groups validated histories; the order of the rows is the sorted order of (x, t_x, T),
    /// so the result does not depend on the order of the input.
    pub fn new(histories: &[RepeatHistory], scale: f64) -> Self {
        // Capacity for every customer: pages never written are never touched.
        let n = histories.len();
        let mut out = Self {
            frequency: Vec::with_capacity(n),
            recency: Vec::with_capacity(n),
            age: Vec::with_capacity(n),
            weight: Vec::with_capacity(n),
            max_frequency: 0,
            ages: Vec::new(),
            age_index: Vec::new(),
        };
        // f64 bit patterns order like the values for the non-negative numbers validated here.
        for_each_distinct(
            n,
            |i| {
                let h = &histories[i];
                [u64::from(h.frequency), h.recency.to_bits(), h.age.to_bits()]
            },
            |[x, recency, age], count| {
                // x came from a u32.
                let x = x as u32;
                out.frequency.push(x);
                out.recency.push(f64::from_bits(recency) / scale);
                out.age.push(f64::from_bits(age) / scale);
                out.weight.push(count);
                out.max_frequency = out.max_frequency.max(x);
            },
        );
        (out.age_index, out.ages) = index_ages(&out.age);
        out
    }

    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Weighted mean age, summed in the sorted order (so it does not depend on input order).
    pub fn mean_age(&self) -> f64 {
        let total: f64 = self.weight.iter().sum();
        self.age
            .iter()
            .zip(&self.weight)
            .map(|(a, w)| a * w)
            .sum::<f64>()
            / total
    }

    /// Divides every time by `scale` (each distinct age by the same division as its rows', so
    /// it stays their bits).
    pub fn rescale(&mut self, scale: f64) {
        self.recency.iter_mut().for_each(|t| *t /= scale);
        self.age.iter_mut().for_each(|t| *t /= scale);
        self.ages.iter_mut().for_each(|t| *t /= scale);
    }

    /// Every `step`-th row (weights kept): a deterministic subsample for a warm start.
    pub fn every(&self, step: usize) -> Self {
        let pick = |v: &[f64]| v.iter().step_by(step).copied().collect::<Vec<_>>();
        let frequency: Vec<u32> = self.frequency.iter().step_by(step).copied().collect();
        let weight = pick(&self.weight);
        Self {
            max_frequency: frequency.iter().copied().max().unwrap_or(0),
            frequency,
            recency: pick(&self.recency),
            age: pick(&self.age),
            weight,
            ages: self.ages.clone(),
            age_index: self.age_index.iter().step_by(step).copied().collect(),
        }
    }
}

/// Positions of `ages` among their distinct values, and those values. In whole days or weeks T
/// takes few values (1,460 among the 780,353 distinct rows of the bench's 1M summary) and its
/// f64 patterns few codes ([`dense_index`]); where the codes would be too many (continuous
/// T), every row is its own entry.
fn index_ages(ages: &[f64]) -> (Vec<u32>, Vec<f64>) {
    let most_codes = (ages.len() as u64).clamp(1 << 10, 1 << 16);
    match dense_index(ages.len(), |i| ages[i].to_bits(), most_codes) {
        Some((index, distinct)) => (index, distinct.into_iter().map(f64::from_bits).collect()),
        // At most u32::MAX rows: `Patterns` weights customers counted in u32 positions.
        None => ((0..ages.len() as u32).collect(), ages.to_vec()),
    }
}

/// One repeat buyer's spend: x repeat purchases with mean value z̄ (the Gamma-Gamma input).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpendHistory {
    /// x ≥ 1: the number of repeat purchases the mean is over.
    pub frequency: u32,
    /// z̄ > 0: mean value of those purchases.
    pub mean_spend: f64,
}

/// Distinct (x, z̄) rows with counts, z̄ divided by `scale`.
#[derive(Clone, Debug)]
pub(crate) struct SpendPatterns {
    pub frequency: Vec<u32>,
    pub mean_spend: Vec<f64>,
    /// ln z̄, kept with z̄: it does not depend on the parameters.
    pub ln_mean_spend: Vec<f64>,
    pub weight: Vec<f64>,
    pub customers: f64,
}

impl SpendPatterns {
    pub fn new(spends: &[SpendHistory], scale: f64) -> Self {
        let mut out = Self::unscaled(spends);
        out.rescale(scale);
        out
    }

    /// The rows with z̄ divided by its weighted mean, and that mean: ln z̄ taken once, after.
    pub fn scaled_by_mean(spends: &[SpendHistory]) -> (Self, f64) {
        let mut out = Self::unscaled(spends);
        let scale = out.mean_spend();
        out.rescale(scale);
        (out, scale)
    }

    /// The rows as given, without ln z̄.
    fn unscaled(spends: &[SpendHistory]) -> Self {
        let n = spends.len();
        let mut out = Self {
            frequency: Vec::with_capacity(n),
            mean_spend: Vec::with_capacity(n),
            ln_mean_spend: Vec::new(),
            weight: Vec::with_capacity(n),
            customers: n as f64,
        };
        for_each_distinct(
            n,
            |i| {
                [
                    u64::from(spends[i].frequency),
                    spends[i].mean_spend.to_bits(),
                ]
            },
            |[x, mean_spend], count| {
                // x came from a u32.
                out.frequency.push(x as u32);
                out.mean_spend.push(f64::from_bits(mean_spend));
                out.weight.push(count);
            },
        );
        out
    }

    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Weighted mean of z̄, summed in the sorted order.
    pub fn mean_spend(&self) -> f64 {
        let total: f64 = self.weight.iter().sum();
        self.mean_spend
            .iter()
            .zip(&self.weight)
            .map(|(z, w)| z * w)
            .sum::<f64>()
            / total
    }

    /// Divides every z̄ by `scale`.
    pub fn rescale(&mut self, scale: f64) {
        // Element by element, so the same bits on any number of threads. The ln of 778,911 z̄
        // (the bench's 1M summary) in parallel: Gamma-Gamma fit median of 8 interleaved runs
        // 48.4 -> 43.8 ms (load ~1.4); the same for the BG/NBD times' divisions measured nothing.
        self.mean_spend
            .par_iter_mut()
            .with_min_len(1 << 14)
            .for_each(|z| *z /= scale);
        self.ln_mean_spend = self
            .mean_spend
            .par_iter()
            .with_min_len(1 << 14)
            .map(|z| z.ln())
            .collect();
    }
}

/// Checks the Gamma-Gamma inputs.
pub fn validate_spends(spends: &[SpendHistory]) -> Result<(), ModelError> {
    if spends.is_empty() {
        return Err(ModelError::NoRepeatBuyers);
    }
    // As `validate_histories`: the fast check first, the one naming the problem after.
    if all_rows(spends, |s| {
        (s.frequency > 0) & s.mean_spend.is_finite() & (s.mean_spend > 0.0)
    }) {
        return Ok(());
    }
    for (index, s) in spends.iter().enumerate() {
        if s.frequency == 0 {
            return Err(ModelError::InvalidHistory {
                index,
                reason: "the spend model needs customers with at least one repeat purchase".into(),
            });
        }
        if !(s.mean_spend.is_finite() && s.mean_spend > 0.0) {
            return Err(ModelError::InvalidHistory {
                index,
                reason: "mean repeat spend must be a positive number".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_group_identical_rows_in_sorted_order() {
        let h = |x, t, a| RepeatHistory::new(x, t, a);
        let p = Patterns::new(&[h(1, 2.0, 5.0), h(0, 0.0, 5.0), h(1, 2.0, 5.0)], 1.0);
        assert_eq!(p.frequency, vec![0, 1]);
        assert_eq!(p.weight, vec![1.0, 2.0]);
        assert_eq!(p.max_frequency, 1);
    }

    #[test]
    fn impossible_histories_are_named() {
        let bad = [RepeatHistory::new(1, 6.0, 5.0)];
        let err = validate_histories(&bad).expect_err("recency > age");
        assert!(err.to_string().contains("customer 0"), "{err}");
        assert!(validate_histories(&[RepeatHistory::new(2, 0.0, 5.0)]).is_err());
        assert!(validate_histories(&[RepeatHistory::new(0, 1.0, 5.0)]).is_err());
        assert!(validate_histories(&[RepeatHistory::new(0, 0.0, f64::NAN)]).is_err());
        assert!(validate_histories(&[]).is_err());
    }

    #[test]
    fn the_fast_check_agrees_with_the_named_problems() {
        let times = [0.0, -0.0, 1e-300, 0.5, 5.0, 5.0 + 4e-12, 6.0, -1.0];
        let odd = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX];
        for x in [0, 1, 7] {
            for &recency in times.iter().chain(&odd) {
                for &age in [0.0, 5.0, 1e308].iter().chain(&odd) {
                    let h = RepeatHistory::new(x, recency, age);
                    assert_eq!(h.is_valid(), h.problem().is_none(), "{h:?}");
                }
            }
        }
        let bad_later: Vec<RepeatHistory> = (0..10_000)
            .map(|i| RepeatHistory::new(1, if i == 9_000 { 9.0 } else { 1.0 }, 5.0))
            .collect();
        let err = validate_histories(&bad_later).expect_err("recency > age");
        assert!(err.to_string().contains("customer 9000"), "{err}");
    }
}

//! The inputs of the customer-base models: one row per customer in the BTYD convention, and
//! the table of distinct rows with counts that the likelihoods are summed over.

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
}

/// Checks every history; the first bad one is an error naming its position.
pub fn validate_histories(histories: &[RepeatHistory]) -> Result<(), ModelError> {
    if histories.is_empty() {
        return Err(ModelError::NoCustomers);
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

/// The distinct keys in sorted order with how often each occurs. Keys hold f64 bit patterns,
/// which order like the values for the non-negative finite numbers validated here.
fn sorted_counts<K: Ord + Copy>(keys: impl Iterator<Item = K>) -> Vec<(K, f64)> {
    let mut keys: Vec<K> = keys.collect();
    keys.sort_unstable();
    let mut out: Vec<(K, f64)> = Vec::new();
    for key in keys {
        match out.last_mut() {
            Some((last, count)) if *last == key => *count += 1.0,
            _ => out.push((key, 1.0)),
        }
    }
    out
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
}

impl Patterns {
    /// Groups validated histories; the order of the rows is the sorted order of (x, t_x, T),
    /// so the result does not depend on the order of the input.
    pub fn new(histories: &[RepeatHistory], scale: f64) -> Self {
        let rows = sorted_counts(
            histories
                .iter()
                .map(|h| (h.frequency, h.recency.to_bits(), h.age.to_bits())),
        );
        let mut out = Self {
            frequency: Vec::with_capacity(rows.len()),
            recency: Vec::with_capacity(rows.len()),
            age: Vec::with_capacity(rows.len()),
            weight: Vec::with_capacity(rows.len()),
            max_frequency: 0,
        };
        for ((x, recency, age), count) in rows {
            out.frequency.push(x);
            out.recency.push(f64::from_bits(recency) / scale);
            out.age.push(f64::from_bits(age) / scale);
            out.weight.push(count);
            out.max_frequency = out.max_frequency.max(x);
        }
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

    /// Divides every time by `scale`.
    pub fn rescale(&mut self, scale: f64) {
        self.recency.iter_mut().for_each(|t| *t /= scale);
        self.age.iter_mut().for_each(|t| *t /= scale);
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
        }
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
        let rows = sorted_counts(spends.iter().map(|s| (s.frequency, s.mean_spend.to_bits())));
        let mut out = Self {
            frequency: Vec::with_capacity(rows.len()),
            mean_spend: Vec::with_capacity(rows.len()),
            ln_mean_spend: Vec::new(),
            weight: Vec::with_capacity(rows.len()),
            customers: spends.len() as f64,
        };
        for ((x, mean_spend), count) in rows {
            out.frequency.push(x);
            out.mean_spend.push(f64::from_bits(mean_spend) / scale);
            out.weight.push(count);
        }
        out.ln_mean_spend = out.mean_spend.iter().map(|z| z.ln()).collect();
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
        self.mean_spend.iter_mut().for_each(|z| *z /= scale);
        self.ln_mean_spend = self.mean_spend.iter().map(|z| z.ln()).collect();
    }
}

/// Checks the Gamma-Gamma inputs.
pub fn validate_spends(spends: &[SpendHistory]) -> Result<(), ModelError> {
    if spends.is_empty() {
        return Err(ModelError::NoRepeatBuyers);
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
}

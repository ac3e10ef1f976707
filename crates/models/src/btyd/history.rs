//! The inputs of the customer-base models: one row per customer in the BTYD convention, and
//! the rows with counts that the likelihoods are summed over.

use rayon::prelude::*;

use super::distinct_rows::{counted_distinct, dense_index};
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
        .with_min_len(ROWS_PER_TASK / 4096)
        .all(|chunk| chunk.iter().fold(true, |all, row| all & valid(row)))
}

/// The rows the likelihood sums run over, times divided by `scale`: the customers without
/// repeat purchases grouped by T (they differ in nothing else), with how many share each T,
/// then the repeat buyers one row each, in the order given.
///
/// The likelihood is a sum over customers, so customers with the same history contribute
/// identical terms: one-time buyers, often half of a customer base, become one row per
/// distinct T. Repeat buyers are seldom identical (t_x varies) and are not grouped: finding
/// the few duplicates took a sort of every row (see `distinct_rows`), 40–60 ms of a 0.1 s
/// BG/NBD fit of the bench's 1M summary, to save 0.2% of the rows.
#[derive(Clone, Debug)]
pub(crate) struct Patterns {
    pub frequency: Vec<u32>,
    pub recency: Vec<f64>,
    pub age: Vec<f64>,
    pub weight: Vec<f64>,
    pub max_frequency: u32,
    /// The distinct values of `age` and of `recency` where they are few: terms of one time
    /// alone (ln(α+T) and 1/(α+T) in BG/NBD's curvature, the same of t_x) are then computed
    /// once per distinct value.
    pub ages: Option<DistinctValues>,
    pub recencies: Option<DistinctValues>,
}

impl Patterns {
    /// Groups validated histories. The one-time buyers' rows come in increasing T whatever
    /// the input order; the repeat buyers' follow the input, so sums over them (and a fit's
    /// last bits) depend on the order the customers are given in, as any floating-point sum
    /// does. The pipeline gives them in customer-id order.
    pub fn new(histories: &[RepeatHistory], scale: f64) -> Self {
        let one_time_ages: Vec<u64> = histories
            .par_iter()
            .with_min_len(ROWS_PER_TASK)
            .filter(|h| h.frequency == 0)
            .map(|h| h.age.to_bits())
            .collect();
        // f64 bit patterns order like the values for the non-negative ages validated here.
        let groups = counted_distinct(one_time_ages);
        // Repeat buyers per chunk of the input (where each chunk's rows will go) and the
        // largest x, in one pass.
        let (per_chunk, most): (Vec<usize>, Vec<u32>) = histories
            .par_chunks(COPY_CHUNK)
            .map(|c| {
                c.iter().fold((0, 0), |(n, most), h| {
                    (n + usize::from(h.frequency > 0), most.max(h.frequency))
                })
            })
            .unzip();
        let repeat_buyers: usize = per_chunk.iter().sum();
        let max_frequency = most.into_iter().max().unwrap_or(0);
        let rows = groups.len() + repeat_buyers;
        let mut out = Self {
            frequency: vec![0; rows],
            recency: vec![0.0; rows],
            age: vec![0.0; rows],
            weight: vec![1.0; rows],
            max_frequency,
            ages: None,
            recencies: None,
        };
        for (i, (age, count)) in groups.iter().enumerate() {
            out.age[i] = f64::from_bits(*age);
            out.weight[i] = *count as f64;
        }
        out.copy_repeat_buyers(histories, &per_chunk, groups.len());
        // Indexed before the division: times in whole days have few bit patterns, their
        // quotients many.
        out.ages = DistinctValues::of(&out.age);
        out.recencies = DistinctValues::of(&out.recency);
        let divide = |v: &mut Vec<f64>| {
            v.par_iter_mut()
                .with_min_len(ROWS_PER_TASK)
                .for_each(|t| *t /= scale)
        };
        divide(&mut out.age);
        divide(&mut out.recency);
        for distinct in [&mut out.ages, &mut out.recencies].into_iter().flatten() {
            divide(&mut distinct.values);
        }
        out
    }

    /// Writes the repeat buyers' rows from row `first` on, in input order, a chunk of the
    /// input per task (a sequential copy of the bench's 1M histories took ~10 ms); `counts`:
    /// the repeat buyers in each chunk of `COPY_CHUNK` histories.
    fn copy_repeat_buyers(&mut self, histories: &[RepeatHistory], counts: &[usize], first: usize) {
        let frequency = split_by(&mut self.frequency[first..], counts);
        let recency = split_by(&mut self.recency[first..], counts);
        let age = split_by(&mut self.age[first..], counts);
        histories
            .par_chunks(COPY_CHUNK)
            .zip(frequency)
            .zip(recency)
            .zip(age)
            .for_each(|(((input, frequency), recency), age)| {
                let rows = input.iter().filter(|h| h.frequency > 0);
                for (k, h) in rows.enumerate() {
                    frequency[k] = h.frequency;
                    recency[k] = h.recency;
                    age[k] = h.age;
                }
            });
    }

    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Each row's stratum for a warm start's subsample ([`systematic_sample`]): x (up to
    /// 63), and t_x and T each in 32 bins of the longest T.
    pub fn strata(&self) -> Vec<u16> {
        let longest = self
            .age
            .par_iter()
            .with_min_len(ROWS_PER_TASK)
            .cloned()
            .reduce(|| 0.0, f64::max);
        let per_bin = if longest > 0.0 { 31.0 / longest } else { 0.0 };
        // t ≤ longest: a bin in [0, 31].
        let bin = |t: f64| ((t * per_bin) as u16).min(31);
        (0..self.len())
            .into_par_iter()
            .with_min_len(ROWS_PER_TASK)
            .map(|i| {
                (self.frequency[i].min(63) as u16) << 10
                    | bin(self.recency[i]) << 5
                    | bin(self.age[i])
            })
            .collect()
    }

    /// The given rows, weights kept.
    pub fn rows(&self, rows: &[usize]) -> Self {
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let frequency: Vec<u32> = rows.iter().map(|&i| self.frequency[i]).collect();
        let picked =
            |distinct: &Option<DistinctValues>| distinct.as_ref().and_then(|d| d.rows(rows));
        Self {
            max_frequency: frequency.iter().copied().max().unwrap_or(0),
            frequency,
            recency: pick(&self.recency),
            age: pick(&self.age),
            weight: pick(&self.weight),
            ages: picked(&self.ages),
            recencies: picked(&self.recencies),
        }
    }
}

/// Every `step`-th row in the order of their strata (rows of one stratum in their own order),
/// returned in row order: a systematic sample, as close to the whole in every stratum as one
/// row in `step` can be, without sorting the rows. A plain every `step`-th row of a customer
/// base in random order put the warm start's optimum ~3e-2 (in ln θ) from the full data's on
/// the bench's 1M summary, and the full data then took three Newton passes instead of two.
pub(crate) fn systematic_sample(strata: &[u16], step: usize) -> Vec<usize> {
    let mut next = vec![0_u32; 1 << 16];
    for &s in strata {
        next[usize::from(s)] += 1;
    }
    let mut start = 0;
    for n in next.iter_mut() {
        (*n, start) = (start, start + *n);
    }
    // Positions are below the number of rows, which fits in u32 (see `index_ages`).
    let step = step.max(1) as u32;
    strata
        .iter()
        .enumerate()
        .filter_map(|(i, &s)| {
            let position = &mut next[usize::from(s)];
            *position += 1;
            (*position - 1).is_multiple_of(step).then_some(i)
        })
        .collect()
}

/// Rows per task when the histories are copied.
const COPY_CHUNK: usize = 1 << 14;

/// Fewest rows a parallel step hands to another thread: below this the work stays on the
/// calling thread, where waking another and waiting for it costs more than the work (CDNOW's
/// 2,357 rows).
pub(crate) const ROWS_PER_TASK: usize = 1 << 14;

/// `v` cut into consecutive pieces of the given lengths (which must not add up to more).
fn split_by<'a, T>(mut v: &'a mut [T], lengths: &[usize]) -> Vec<&'a mut [T]> {
    lengths
        .iter()
        .map(|&n| {
            let (piece, rest) = std::mem::take(&mut v).split_at_mut(n);
            v = rest;
            piece
        })
        .collect()
}

/// A column's distinct values and each row's position among them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DistinctValues {
    pub values: Vec<f64>,
    pub index: Vec<u32>,
}

impl DistinctValues {
    /// The distinct values of `column` where they are at most half as many as its rows, else
    /// `None`. In whole days or weeks a time has few f64 patterns and these are found in a
    /// table of their codes ([`dense_index`]; 1,460 distinct T among the 780,353 rows of the
    /// bench's 1M summary); times in fractions (CDNOW's weeks to two decimals: 84 distinct T
    /// and 256 distinct t_x among 1,030 rows) by a sort where the rows are few. Continuous
    /// times (the bench's t_x) are neither: every row is then its own value.
    pub fn of(column: &[f64]) -> Option<Self> {
        let most_codes = (column.len() as u64).clamp(1 << 10, 1 << 16);
        // At most u32::MAX rows: `Patterns` counts customers in u32 positions.
        let (index, values) = match dense_index(column.len(), |i| column[i].to_bits(), most_codes) {
            Some((index, values)) => (index, values.into_iter().map(f64::from_bits).collect()),
            None if column.len() <= ROWS_PER_TASK => sorted_index(column),
            None => return None,
        };
        (values.len() * 2 <= column.len()).then_some(Self { values, index })
    }

    /// The same for a subset of the rows: the values kept where they are fewer than the rows.
    fn rows(&self, rows: &[usize]) -> Option<Self> {
        (self.values.len() < rows.len()).then(|| Self {
            values: self.values.clone(),
            index: rows.iter().map(|&i| self.index[i]).collect(),
        })
    }
}

/// Positions of a column's values among its distinct values (sorted), by sorting the rows.
fn sorted_index(column: &[f64]) -> (Vec<u32>, Vec<f64>) {
    let mut order: Vec<u32> = (0..column.len() as u32).collect();
    // total_cmp: the validated times are finite and not negative, so this is their order.
    order.sort_unstable_by(|&i, &j| column[i as usize].total_cmp(&column[j as usize]));
    let mut values: Vec<f64> = Vec::new();
    let mut index = vec![0; column.len()];
    for i in order {
        let v = column[i as usize];
        if values
            .last()
            .is_none_or(|last| last.to_bits() != v.to_bits())
        {
            values.push(v);
        }
        index[i as usize] = (values.len() - 1) as u32;
    }
    (index, values)
}

/// One repeat buyer's spend: x repeat purchases with mean value z̄ (the Gamma-Gamma input).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpendHistory {
    /// x ≥ 1: the number of repeat purchases the mean is over.
    pub frequency: u32,
    /// z̄ > 0: mean value of those purchases.
    pub mean_spend: f64,
}

/// The repeat buyers' (x, z̄) rows, in the order given, z̄ divided by `scale`.
///
/// Not grouped: mean spends are seldom identical (778,911 rows, 777,468 distinct in the bench's
/// 1M summary), and finding the duplicates took a sort of every row, 20 ms of a 38 ms fit.
/// Sums over the rows follow the input order (see [`Patterns::new`]).
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
        let mean_spend: Vec<f64> = spends
            .par_iter()
            .with_min_len(ROWS_PER_TASK)
            .map(|s| s.mean_spend / scale)
            .collect();
        Self {
            frequency: spends
                .par_iter()
                .with_min_len(ROWS_PER_TASK)
                .map(|s| s.frequency)
                .collect(),
            ln_mean_spend: mean_spend
                .par_iter()
                .with_min_len(ROWS_PER_TASK)
                .map(|z| z.ln())
                .collect(),
            mean_spend,
            weight: vec![1.0; spends.len()],
            customers: spends.len() as f64,
        }
    }

    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Each row's stratum for a warm start's subsample ([`systematic_sample`]): x (up to
    /// 63), and ln z̄ in 1024 bins of its range.
    pub fn strata(&self) -> Vec<u16> {
        let (low, high) = self
            .ln_mean_spend
            .par_iter()
            .with_min_len(ROWS_PER_TASK)
            .map(|&l| (l, l))
            .reduce(
                || (f64::INFINITY, f64::NEG_INFINITY),
                |a, b| (a.0.min(b.0), a.1.max(b.1)),
            );
        let per_bin = if high > low {
            1023.0 / (high - low)
        } else {
            0.0
        };
        (0..self.len())
            .into_par_iter()
            .with_min_len(ROWS_PER_TASK)
            .map(|i| {
                // In [0, 1023]: ln z̄ is within [low, high].
                let bin = (((self.ln_mean_spend[i] - low) * per_bin) as u16).min(1023);
                (self.frequency[i].min(63) as u16) << 10 | bin
            })
            .collect()
    }

    /// The given rows, weights kept.
    pub fn rows(&self, rows: &[usize]) -> Self {
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let weight = pick(&self.weight);
        Self {
            frequency: rows.iter().map(|&i| self.frequency[i]).collect(),
            mean_spend: pick(&self.mean_spend),
            ln_mean_spend: pick(&self.ln_mean_spend),
            customers: weight.iter().sum(),
            weight,
        }
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
    fn one_time_buyers_are_grouped_by_age_and_repeat_buyers_kept_in_order() {
        let h = |x, t, a| RepeatHistory::new(x, t, a);
        let histories = [
            h(2, 3.0, 6.0),
            h(0, 0.0, 5.0),
            h(1, 2.0, 5.0),
            h(0, 0.0, 4.0),
            h(0, 0.0, 5.0),
            h(2, 3.0, 6.0),
        ];
        let p = Patterns::new(&histories, 2.0);
        assert_eq!(p.frequency, vec![0, 0, 2, 1, 2]);
        assert_eq!(p.recency, vec![0.0, 0.0, 1.5, 1.0, 1.5]);
        assert_eq!(p.age, vec![2.0, 2.5, 3.0, 2.5, 3.0]);
        assert_eq!(p.weight, vec![1.0, 2.0, 1.0, 1.0, 1.0]);
        assert_eq!(p.max_frequency, 2);
    }

    #[test]
    fn distinct_times_are_indexed_where_they_are_few() {
        let whole_days: Vec<f64> = (0..5_000_u32).map(|i| f64::from(i % 365 + 1)).collect();
        let d = DistinctValues::of(&whole_days).expect("365 values");
        assert_eq!(d.values.len(), 365);
        for (t, i) in whole_days.iter().zip(&d.index) {
            assert_eq!(d.values[*i as usize], *t);
        }
        let weeks = [2.0, 2.57, 3.29, 2.57, 3.29, 3.29, 2.0, 2.57];
        let d = DistinctValues::of(&weeks).expect("3 values in 8 rows");
        assert_eq!(d.values, vec![2.0, 2.57, 3.29]);
        assert_eq!(d.index, vec![0, 1, 2, 1, 2, 2, 0, 1]);
        assert!(DistinctValues::of(&[1.5, 2.25, 3.125, 4.0, 1.5]).is_none());
        let continuous: Vec<f64> = (0..100_000_u32).map(|i| f64::from(i) / 7.3).collect();
        assert!(DistinctValues::of(&continuous).is_none());
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

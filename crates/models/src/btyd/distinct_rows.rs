//! Distinct values of a column of f64 bit patterns (or any u64): counted in a table indexed
//! by a short code of each value where the values use few bits, else sorted.
//!
//! A value's code packs it into the bits its column actually uses: T in whole days from 1 to
//! 1461 varies in 14 bits of its f64 pattern, so its codes fit a table of 2¹⁴ entries and
//! grouping is two passes without a sort. Continuous values are sorted instead.
//!
//! History: the likelihood rows were once every distinct (x, t_x, T), sorted as packed `u128`
//! keys (23 ms for 1M keys on one thread; an LSD radix sort, 65–72 ms, and hash buckets with
//! small sorts, 29 ms, were slower). Repeat buyers are seldom identical, so only one-time
//! buyers are grouped now (by T) and that sort is gone (`history::Patterns`).

use rayon::prelude::*;

/// Below this many rows the work stays on the calling thread.
const PARALLEL_ROWS: usize = 1 << 14;

/// The values of one field: the smallest nonzero, the largest, and all of them OR-ed together
/// (its trailing zeros are the low bits that every value has clear).
#[derive(Clone, Copy)]
struct FieldRange {
    min_nonzero: u64,
    max: u64,
    or: u64,
}

impl FieldRange {
    const EMPTY: Self = Self {
        min_nonzero: u64::MAX,
        max: 0,
        or: 0,
    };

    fn merge(self, o: Self) -> Self {
        Self {
            min_nonzero: self.min_nonzero.min(o.min_nonzero),
            max: self.max.max(o.max),
            or: self.or | o.or,
        }
    }

    fn add(mut self, v: u64) -> Self {
        if v != 0 {
            self.min_nonzero = self.min_nonzero.min(v);
        }
        self.max = self.max.max(v);
        self.or |= v;
        self
    }

    /// 0 stays 0 (x = 0 has t_x = 0, and zero is far below the other f64 patterns); any other
    /// value becomes 1 + (v − smallest nonzero) >> (trailing zeros shared by all values). The
    /// map is increasing, so packed keys sort as the rows do.
    fn code(self) -> FieldCode {
        if self.max == 0 {
            return FieldCode {
                min_nonzero: 0,
                shift: 0,
                bits: 0,
            };
        }
        let shift = self.or.trailing_zeros();
        let largest = ((self.max - self.min_nonzero) >> shift) + 1;
        FieldCode {
            min_nonzero: self.min_nonzero,
            shift,
            bits: u64::BITS - largest.leading_zeros(),
        }
    }
}

#[derive(Clone, Copy)]
struct FieldCode {
    min_nonzero: u64,
    shift: u32,
    bits: u32,
}

impl FieldCode {
    fn encode(self, v: u64) -> u64 {
        if v == 0 {
            0
        } else {
            ((v - self.min_nonzero) >> self.shift) + 1
        }
    }

    fn decode(self, c: u64) -> u64 {
        if c == 0 {
            0
        } else {
            ((c - 1) << self.shift) + self.min_nonzero
        }
    }
}

/// The distinct values in increasing order, with how often each occurs.
pub(crate) fn counted_distinct(mut values: Vec<u64>) -> Vec<(u64, usize)> {
    let most_codes = (values.len() as u64).clamp(1 << 10, 1 << 16);
    if let Some((index, distinct)) = dense_index(values.len(), |i| values[i], most_codes) {
        let mut counts = vec![0; distinct.len()];
        for i in index {
            counts[i as usize] += 1;
        }
        return distinct.into_iter().zip(counts).collect();
    }
    sort(&mut values);
    let mut out: Vec<(u64, usize)> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => out.push((v, 1)),
        }
    }
    out
}

/// The distinct `value(i)`, i < `len`, in increasing order and each value's position among
/// them, where the values' codes (as a packed field's) are at most `most_codes`; `None` where
/// they are more. Passes over the values and a table of the codes, no sort; the range and the
/// positions on all cores (min, max and OR are exact in any order).
pub(crate) fn dense_index(
    len: usize,
    value: impl Fn(usize) -> u64 + Sync,
    most_codes: u64,
) -> Option<(Vec<u32>, Vec<u64>)> {
    let code = if len < PARALLEL_ROWS {
        (0..len).fold(FieldRange::EMPTY, |r, i| r.add(value(i)))
    } else {
        (0..len)
            .into_par_iter()
            .fold(|| FieldRange::EMPTY, |r, i| r.add(value(i)))
            .reduce(|| FieldRange::EMPTY, FieldRange::merge)
    }
    .code();
    let codes = 1_u64.checked_shl(code.bits)?;
    if codes > most_codes {
        return None;
    }
    // Codes are below 2^bits ≤ most_codes: they fit in usize and positions in u32.
    let mut position = vec![u32::MAX; codes as usize];
    for i in 0..len {
        position[code.encode(value(i)) as usize] = 0;
    }
    let mut distinct = Vec::new();
    for (c, p) in position.iter_mut().enumerate() {
        if *p == 0 {
            *p = distinct.len() as u32;
            distinct.push(code.decode(c as u64));
        }
    }
    let index_of = |i| position[code.encode(value(i)) as usize];
    let index = if len < PARALLEL_ROWS {
        (0..len).map(index_of).collect()
    } else {
        (0..len).into_par_iter().map(index_of).collect()
    };
    Some((index, distinct))
}

/// A sorted array is the same whichever way it was sorted: the result does not depend on the
/// number of threads.
fn sort<T: Ord + Send>(v: &mut [T]) {
    if v.len() < PARALLEL_ROWS {
        v.sort_unstable();
    } else {
        v.par_sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: an ordered map of counts.
    fn by_sort_and_count(values: &[u64]) -> Vec<(u64, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for &v in values {
            *counts.entry(v).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }

    #[test]
    fn whole_days_are_counted_in_a_table_and_continuous_values_sorted() {
        let days: Vec<u64> = (0..50_000_u32)
            .map(|i| f64::from((i * 7919) % 1461 + 1).to_bits())
            .chain([0, 0, 0])
            .collect();
        let counted = counted_distinct(days.clone());
        assert_eq!(counted, by_sort_and_count(&days));
        assert_eq!(counted.len(), 1462);
        let continuous: Vec<u64> = (0..30_000_u64)
            .map(|i| (1.0 + (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / 1e9).to_bits())
            .chain([5.0_f64.to_bits(); 40])
            .collect();
        let counted = counted_distinct(continuous.clone());
        assert_eq!(counted, by_sort_and_count(&continuous));
        assert!(
            counted
                .iter()
                .any(|&(v, n)| v == 5.0_f64.to_bits() && n == 40)
        );
    }

    #[test]
    fn dense_indices_point_at_the_sorted_distinct_values() {
        let values: Vec<u64> = (0..5_000_u32)
            .map(|i| f64::from((i * 7919) % 731 + 1).to_bits())
            .chain([0, 0])
            .collect();
        let (index, distinct) =
            dense_index(values.len(), |i| values[i], 1 << 16).expect("few codes");
        let mut expected = values.clone();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(distinct, expected);
        for (v, i) in values.iter().zip(&index) {
            assert_eq!(distinct[*i as usize], *v);
        }
        let continuous: Vec<u64> = (1..100_u32)
            .map(|i| (f64::from(i) / 7.0).to_bits())
            .collect();
        assert!(dense_index(continuous.len(), |i| continuous[i], 1 << 16).is_none());
        assert_eq!(dense_index(0, |_| 0, 4), Some((vec![], vec![])));
    }

    #[test]
    fn small_and_degenerate_columns() {
        assert!(counted_distinct(vec![]).is_empty());
        assert_eq!(counted_distinct(vec![0]), vec![(0, 1)]);
        assert_eq!(counted_distinct(vec![9, 9, 9]), vec![(9, 3)]);
        let edges = vec![u64::MAX, 0, 1, u64::MAX];
        assert_eq!(counted_distinct(edges.clone()), by_sort_and_count(&edges));
    }
}

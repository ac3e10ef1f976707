//! The distinct rows of a table of fixed-width fields, in sorted order with how often each
//! occurs: what the likelihood sums run over ([`super::history::Patterns`]).
//!
//! Sorting the rows as tuples (`(u32, u64, u64)`, compared field by field) took most of the
//! time of building them: on the bench's 1M-customer summary ~70 ms of a 0.17 s BG/NBD fit.
//! Each field is packed instead into the few bits its values actually use, and the rows are
//! sorted as single `u64` or `u128` keys, whose comparisons are branch-free. The fields of
//! these data use far fewer than their 64 bits: x ≤ 230 needs 8; T in whole days from 1 to
//! 1461 varies in 14 bits of its f64 pattern; only t_x (continuous) needs 57, so a BG/NBD row
//! fits in 79 bits and a Gamma-Gamma row (x, z̄) in 64. The order is the tuples' order, so
//! the rows, and every fit, are the same bits as before. Measured on that summary (2-core
//! machine shared with other builds, load ~3): building the BG/NBD rows 81 → 44–67 ms, the
//! Gamma-Gamma rows 48 → 31–38 ms; in isolation the tuple sort took 63–82 ms, packing 7 ms
//! and the `u128` sort 23 ms on one thread. Tried and dropped: an LSD radix sort of the
//! packed keys (9 passes of 11 bits: 65–72 ms; each scatter pass ~7 ms here) and bucketing
//! by a hash of the key with small sorts per bucket (29 ms): their scatters cost more than
//! the comparisons they save.

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

    fn add(mut self, v: u64) -> Self {
        if v != 0 {
            self.min_nonzero = self.min_nonzero.min(v);
        }
        self.max = self.max.max(v);
        self.or |= v;
        self
    }

    fn merge(self, o: Self) -> Self {
        Self {
            min_nonzero: self.min_nonzero.min(o.min_nonzero),
            max: self.max.max(o.max),
            or: self.or | o.or,
        }
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

/// Calls `emit(row, count)` for each distinct `row(i)`, i < `len`, in increasing order of the
/// rows (compared field by field, as unsigned integers). `row` must return the same value
/// for the same `i`. The rows are packed into `u128` keys where their fields' ranges fit in
/// 128 bits (see the module notes), else sorted as arrays.
pub(crate) fn for_each_distinct<const F: usize>(
    len: usize,
    row: impl Fn(usize) -> [u64; F] + Sync,
    emit: impl FnMut([u64; F], f64),
) {
    let ranges = field_ranges(len, &row);
    let codes = ranges.map(FieldRange::code);
    let total_bits: u32 = codes.iter().map(|c| c.bits).sum();
    if total_bits > u128::BITS {
        let mut rows: Vec<[u64; F]> = map_rows(len, &row);
        sort(&mut rows);
        count_runs(&rows, |r| *r, emit);
        return;
    }
    // Field k sits above the fields after it; the first field is the most significant.
    let mut offsets = [0_u32; F];
    let mut below = 0;
    for k in (0..F).rev() {
        offsets[k] = below;
        below += codes[k].bits;
    }
    if total_bits <= u64::BITS {
        sort_packed::<u64, F>(len, &row, codes, offsets, emit);
    } else {
        sort_packed::<u128, F>(len, &row, codes, offsets, emit);
    }
}

/// An unsigned integer that rows are packed into.
trait PackedKey: Copy + Ord + Send + Sync {
    /// `code` placed at bit `offset`.
    fn placed(code: u64, offset: u32) -> Self;
    fn or(self, other: Self) -> Self;
    /// The `bits` bits from `offset` up.
    fn field(self, offset: u32, bits: u32) -> u64;
}

impl PackedKey for u64 {
    fn placed(code: u64, offset: u32) -> Self {
        code.checked_shl(offset).unwrap_or(0)
    }
    fn or(self, other: Self) -> Self {
        self | other
    }
    fn field(self, offset: u32, bits: u32) -> u64 {
        let mask = u64::MAX.checked_shr(u64::BITS - bits).unwrap_or(0);
        self.checked_shr(offset).unwrap_or(0) & mask
    }
}

impl PackedKey for u128 {
    fn placed(code: u64, offset: u32) -> Self {
        u128::from(code).checked_shl(offset).unwrap_or(0)
    }
    fn or(self, other: Self) -> Self {
        self | other
    }
    fn field(self, offset: u32, bits: u32) -> u64 {
        let mask = u128::MAX.checked_shr(u128::BITS - bits).unwrap_or(0);
        // At most 64 bits: a field's code fits in a u64.
        (self.checked_shr(offset).unwrap_or(0) & mask) as u64
    }
}

fn sort_packed<K: PackedKey, const F: usize>(
    len: usize,
    row: &(impl Fn(usize) -> [u64; F] + Sync),
    codes: [FieldCode; F],
    offsets: [u32; F],
    emit: impl FnMut([u64; F], f64),
) {
    let pack = |r: [u64; F]| -> K {
        (0..F).fold(K::placed(0, 0), |key, k| {
            key.or(K::placed(codes[k].encode(r[k]), offsets[k]))
        })
    };
    let unpack = |key: &K| -> [u64; F] {
        std::array::from_fn(|k| codes[k].decode(key.field(offsets[k], codes[k].bits)))
    };
    let mut keys: Vec<K> = map_rows(len, |i| pack(row(i)));
    sort(&mut keys);
    count_runs(&keys, unpack, emit);
}

/// The distinct `value(i)`, i < `len`, in increasing order and each value's position among
/// them, where the values' codes (as a packed field's) are at most `most_codes`; `None` where they are more.
/// Two sequential passes and a table of the codes: no sort.
pub(crate) fn dense_index(
    len: usize,
    value: impl Fn(usize) -> u64,
    most_codes: u64,
) -> Option<(Vec<u32>, Vec<u64>)> {
    let code = (0..len)
        .fold(FieldRange::EMPTY, |r, i| r.add(value(i)))
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
    let index = (0..len)
        .map(|i| position[code.encode(value(i)) as usize])
        .collect();
    Some((index, distinct))
}

fn field_ranges<const F: usize>(
    len: usize,
    row: &(impl Fn(usize) -> [u64; F] + Sync),
) -> [FieldRange; F] {
    let add = |acc: [FieldRange; F], i: usize| {
        let r = row(i);
        std::array::from_fn(|k| acc[k].add(r[k]))
    };
    let merge = |a: [FieldRange; F], b: [FieldRange; F]| std::array::from_fn(|k| a[k].merge(b[k]));
    let empty = [FieldRange::EMPTY; F];
    if len < PARALLEL_ROWS {
        (0..len).fold(empty, add)
    } else {
        // min, max and OR are exact: the same result in any order.
        (0..len)
            .into_par_iter()
            .fold(|| empty, add)
            .reduce(|| empty, merge)
    }
}

fn map_rows<T: Send>(len: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    if len < PARALLEL_ROWS {
        (0..len).map(f).collect()
    } else {
        (0..len).into_par_iter().map(f).collect()
    }
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

fn count_runs<K: PartialEq, const F: usize>(
    sorted: &[K],
    unpack: impl Fn(&K) -> [u64; F],
    mut emit: impl FnMut([u64; F], f64),
) {
    let mut start = 0;
    while start < sorted.len() {
        let key = &sorted[start];
        let end = start + sorted[start..].iter().take_while(|k| *k == key).count();
        emit(unpack(key), (end - start) as f64);
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct<const F: usize>(rows: &[[u64; F]]) -> Vec<([u64; F], f64)> {
        let mut out = Vec::new();
        for_each_distinct(rows.len(), |i| rows[i], |r, c| out.push((r, c)));
        out
    }

    fn by_tuple_sort<const F: usize>(rows: &[[u64; F]]) -> Vec<([u64; F], f64)> {
        let mut sorted = rows.to_vec();
        sorted.sort_unstable();
        let mut out: Vec<([u64; F], f64)> = Vec::new();
        for r in sorted {
            match out.last_mut() {
                Some((last, count)) if *last == r => *count += 1.0,
                _ => out.push((r, 1.0)),
            }
        }
        out
    }

    #[test]
    fn packed_keys_give_the_tuple_sort() {
        // Whole days, continuous times with zeros, small counts: the packed path.
        let rows: Vec<[u64; 3]> = (0..50_000_u64)
            .map(|i| {
                let x = (i * 7919) % 23;
                let age = f64::from(((i * 104_729) % 1461) as u32 + 1);
                let recency = if x == 0 {
                    0.0
                } else {
                    age * ((i * 31) % 1000) as f64 / 1000.0 + 1e-3
                };
                [x, recency.to_bits(), age.to_bits()]
            })
            .collect();
        let got = distinct(&rows);
        assert_eq!(got, by_tuple_sort(&rows));
        assert!(got.len() < rows.len());
    }

    #[test]
    fn rows_too_wide_to_pack_are_sorted_as_arrays() {
        let rows: Vec<[u64; 3]> = (0..30_000_u64)
            .map(|i| {
                let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                [h % 3, h.rotate_left(17) | 1, h.rotate_left(41) >> (i % 2)]
            })
            .chain((0..100).map(|_| [u64::MAX, 0, 5]))
            .collect();
        assert_eq!(distinct(&rows), by_tuple_sort(&rows));
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
    fn small_and_degenerate_tables() {
        assert!(distinct::<2>(&[]).is_empty());
        assert_eq!(distinct(&[[0_u64, 0]]), vec![([0, 0], 1.0)]);
        let same = [[3_u64, 9], [3, 9], [3, 9]];
        assert_eq!(distinct(&same), vec![([3, 9], 3.0)]);
        let edges = [[0_u64, u64::MAX], [u64::MAX, 0], [1, 1], [0, u64::MAX]];
        assert_eq!(distinct(&edges), by_tuple_sort(&edges));
    }
}

//! A node's samples as growth sees them: for every feature, the node's entries sorted by that
//! feature's value. Each feature is sorted once, at the root ([`presort`]); a node owns the same
//! contiguous range of every feature's list, and applying a split partitions each range stably
//! into its left and right parts ([`Segment::partition`]), so the children's ranges are sorted
//! too and nothing is sorted again (O(n · d) work per tree level instead of O(n log n · d)).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::splitter::Entry;
use crate::learn::Matrix;

/// A node's samples: the same rows, sorted by each feature in turn (NaN last).
#[derive(Debug)]
pub(super) struct Segment<'a> {
    pub columns: Vec<&'a mut [Entry]>,
}

impl<'a> Segment<'a> {
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len())
    }

    /// Applies a split: the first `n_left` entries of `feature` go left, the rest right; every
    /// other feature's range is partitioned the same way, keeping its order on both sides.
    /// `goes_left` is scratch with one flag per training row (siblings touch disjoint rows).
    pub fn partition(
        self,
        feature: usize,
        n_left: usize,
        goes_left: &[AtomicBool],
        parallel: bool,
    ) -> (Segment<'a>, Segment<'a>) {
        for (i, entry) in self.columns[feature].iter().enumerate() {
            goes_left[entry.row as usize].store(i < n_left, Ordering::Relaxed);
        }
        let mut columns = self.columns;
        let work = |(f, entries): (usize, &mut &'a mut [Entry])| {
            // The split feature is already in order: its left part is a prefix.
            if f != feature {
                partition_entries(entries, n_left, goes_left);
            }
        };
        if parallel {
            columns.par_iter_mut().enumerate().for_each(work);
        } else {
            columns.iter_mut().enumerate().for_each(work);
        }
        let mut left = Vec::with_capacity(columns.len());
        let mut right = Vec::with_capacity(columns.len());
        for entries in columns {
            let (l, r) = entries.split_at_mut(n_left);
            left.push(l);
            right.push(r);
        }
        (Segment { columns: left }, Segment { columns: right })
    }
}

/// Every feature's (value, row, label) entries sorted by value, NaN last; equal values by row.
pub(super) fn presort(x: &Matrix, y: &[u32]) -> Vec<Vec<Entry>> {
    let d = x.n_cols();
    let values = x.values();
    (0..d)
        .into_par_iter()
        .map(|feature| {
            let mut entries: Vec<Entry> = y
                .iter()
                .enumerate()
                .map(|(row, &label)| Entry {
                    value: values[row * d + feature],
                    row: row as u32,
                    label,
                })
                .collect();
            entries.sort_unstable_by_key(|e| (sort_key(e.value), e.row));
            entries
        })
        .collect()
}

/// An integer with the order of the values: negative numbers below positive ones, -0 equal to
/// +0, every NaN above +∞.
fn sort_key(value: f64) -> u64 {
    if value.is_nan() {
        return u64::MAX;
    }
    let bits = (value + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

thread_local! {
    static RIGHT_SIDE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Frees the partition scratch of this thread and of every thread of the current rayon pool,
/// so that a finished fit holds no memory.
pub(super) fn release_scratch() {
    let release = || RIGHT_SIDE.with(|right| drop(right.take()));
    release();
    rayon::broadcast(|_| release());
}

/// Moves the entries whose row goes left to the front, keeping the order on both sides.
/// Branch-free: each entry is written to both places and only one cursor advances.
fn partition_entries(entries: &mut [Entry], n_left: usize, goes_left: &[AtomicBool]) {
    RIGHT_SIDE.with(|right| {
        let mut right = right.borrow_mut();
        // Grown, never cleared: every slot read below was written first in this call.
        let needed = entries.len() - n_left + 1;
        if right.len() < needed {
            right.resize(needed, Entry::default());
        }
        let (mut l, mut r) = (0, 0);
        for i in 0..entries.len() {
            let entry = entries[i];
            let is_left = goes_left[entry.row as usize].load(Ordering::Relaxed);
            entries[l] = entry;
            right[r] = entry;
            l += usize::from(is_left);
            r += usize::from(!is_left);
        }
        entries[l..].copy_from_slice(&right[..r]);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_orders_like_the_values_with_nan_last() {
        let values = [
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            1e-300,
            3.0,
            f64::INFINITY,
            f64::NAN,
        ];
        let keys: Vec<u64> = values.iter().map(|&v| sort_key(v)).collect();
        for pair in keys.windows(2) {
            assert!(pair[0] <= pair[1]);
        }
        assert_eq!(sort_key(-0.0), sort_key(0.0));
        assert!(sort_key(f64::INFINITY) < sort_key(-f64::NAN));
    }

    #[test]
    fn partition_keeps_the_order_on_both_sides() {
        let mut entries: Vec<Entry> = (0..6)
            .map(|row| Entry {
                value: row as f64,
                row,
                label: 0,
            })
            .collect();
        let goes_left: Vec<AtomicBool> = [true, false, false, true, false, true]
            .into_iter()
            .map(AtomicBool::new)
            .collect();
        partition_entries(&mut entries, 3, &goes_left);
        let rows: Vec<u32> = entries.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![0, 3, 5, 1, 2, 4]);
    }
}

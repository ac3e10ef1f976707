//! Deterministic parallel reductions over rows.
//!
//! Rows are cut into fixed chunks whatever the thread count; each chunk is reduced on its own
//! and the partial results are combined in chunk order. Floating-point sums therefore come out
//! bit-identical on 1 thread or 64, which is what lets a seeded fit give the same labels on
//! every machine.

use rayon::prelude::*;

/// Rows per chunk: large enough to amortise scheduling, small enough to balance two cores.
pub(crate) const CHUNK_ROWS: usize = 8192;

/// Maps every chunk `[start, end)` of `0..n_rows` to a partial result, in parallel, and returns
/// the partial results in chunk order.
pub(crate) fn map_chunks<T, F>(n_rows: usize, map: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, usize) -> T + Sync + Send,
{
    let n_chunks = n_rows.div_ceil(CHUNK_ROWS);
    (0..n_chunks)
        .into_par_iter()
        .map(|chunk| {
            let start = chunk * CHUNK_ROWS;
            map(start, (start + CHUNK_ROWS).min(n_rows))
        })
        .collect()
}

/// Sum of `value(row)` over all rows, combined in chunk order.
pub(crate) fn ordered_sum<F>(n_rows: usize, value: F) -> f64
where
    F: Fn(usize) -> f64 + Sync + Send,
{
    map_chunks(n_rows, |start, end| (start..end).map(&value).sum::<f64>())
        .into_iter()
        .sum()
}

/// Squared Euclidean distance.
#[inline]
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

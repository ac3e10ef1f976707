//! Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with scikit-learn's greedy variant:
//! at each step `2 + ⌊ln k⌋` candidates are drawn with probability proportional to the squared
//! distance to the nearest centre so far, and the one that lowers the total most is kept).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::matrix::Matrix;
use rayon::prelude::*;

use super::row_chunks::{CHUNK_ROWS, map_chunks, squared_distance};

/// Picks `k` rows of `x` as initial centres; returns them row-major (`k × n_cols`).
pub(crate) fn kmeans_plus_plus(x: &Matrix, k: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let n = x.n_rows();
    let d = x.n_cols();
    let mut centers = Vec::with_capacity(k * d);
    let first = rng.random_range(0..n);
    centers.extend_from_slice(x.row(first));
    let mut closest: Vec<f64> = concat(map_chunks(n, |start, end| {
        (start..end)
            .map(|row| squared_distance(x.row(row), x.row(first)))
            .collect()
    }));
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut cumulative = vec![0.0; n];
    for _ in 1..k {
        let mut running = 0.0;
        for (slot, value) in cumulative.iter_mut().zip(&closest) {
            running += value;
            *slot = running;
        }
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                if running <= 0.0 {
                    // Every point sits on a centre already (fewer distinct points than k).
                    return rng.random_range(0..n);
                }
                let target = rng.random::<f64>() * running;
                cumulative.partition_point(|&c| c <= target).min(n - 1)
            })
            .collect();
        // One pass gives every candidate's new potential.
        let partials = map_chunks(n, |start, end| {
            let mut sums = vec![0.0; candidates.len()];
            for (row, &nearest) in closest.iter().enumerate().take(end).skip(start) {
                for (sum, &candidate) in sums.iter_mut().zip(&candidates) {
                    *sum += nearest.min(squared_distance(x.row(row), x.row(candidate)));
                }
            }
            sums
        });
        let mut potentials = vec![0.0; candidates.len()];
        for partial in partials {
            for (total, value) in potentials.iter_mut().zip(partial) {
                *total += value;
            }
        }
        let mut best = 0;
        for trial in 1..candidates.len() {
            if potentials[trial] < potentials[best] {
                best = trial;
            }
        }
        let chosen = candidates[best];
        centers.extend_from_slice(x.row(chosen));
        closest
            .par_chunks_mut(CHUNK_ROWS)
            .enumerate()
            .for_each(|(chunk, slice)| {
                for (offset, value) in slice.iter_mut().enumerate() {
                    let row = chunk * CHUNK_ROWS + offset;
                    *value = value.min(squared_distance(x.row(row), x.row(chosen)));
                }
            });
    }
    centers
}

fn concat(parts: Vec<Vec<f64>>) -> Vec<f64> {
    parts.into_iter().flatten().collect()
}

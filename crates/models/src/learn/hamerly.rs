//! One k-means run from given centres: Lloyd's iterations accelerated by Hamerly's bounds
//! (Hamerly 2010). Each point keeps an upper bound on the distance to its own centre and a
//! lower bound on the distance to every other; when the bounds prove the assignment cannot
//! change, the point is skipped. The result is exactly Lloyd's (same labels, same centres), at
//! a fraction of the distance computations once the centres settle.

use rayon::prelude::*;

use super::matrix::Matrix;
use super::row_chunks::{CHUNK_ROWS, map_chunks, ordered_sum, squared_distance};

/// The outcome of one run.
pub(crate) struct Run {
    pub centers: Vec<f64>,
    pub labels: Vec<u32>,
    pub inertia: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Per-point state: assigned centre and the two bounds.
#[derive(Clone, Copy)]
struct Bounds {
    label: u32,
    upper: f64,
    lower: f64,
}

/// Runs Lloyd's algorithm from `centers` (`k × n_cols`, row-major) until no label changes, the
/// total squared centre shift falls to `tolerance`, or `max_iterations` updates.
pub(crate) fn run(x: &Matrix, mut centers: Vec<f64>, max_iterations: usize, tolerance: f64) -> Run {
    let n = x.n_rows();
    let d = x.n_cols();
    let k = centers.len() / d;
    let mut bounds: Vec<Bounds> = map_chunks(n, |start, end| {
        (start..end)
            .map(|row| nearest_two(x.row(row), &centers, d))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        iterations += 1;
        let updated = centroids(x, &bounds, &centers, k);
        let shifts: Vec<f64> = (0..k)
            .map(|c| {
                squared_distance(&updated[c * d..(c + 1) * d], &centers[c * d..(c + 1) * d]).sqrt()
            })
            .collect();
        let total_shift: f64 = shifts.iter().map(|s| s * s).sum();
        centers = updated;
        let changed = reassign(x, &centers, &shifts, &mut bounds, d);
        if changed == 0 || total_shift <= tolerance {
            converged = true;
            break;
        }
    }
    let labels: Vec<u32> = bounds.iter().map(|b| b.label).collect();
    let inertia = ordered_sum(n, |row| {
        let c = labels[row] as usize;
        squared_distance(x.row(row), &centers[c * d..(c + 1) * d])
    });
    Run {
        centers,
        labels,
        inertia,
        iterations,
        converged,
    }
}

/// Nearest and second-nearest centre distances of one point.
fn nearest_two(point: &[f64], centers: &[f64], d: usize) -> Bounds {
    let mut best = (0u32, f64::INFINITY);
    let mut second = f64::INFINITY;
    for (c, center) in centers.chunks_exact(d).enumerate() {
        let dist = squared_distance(point, center);
        if dist < best.1 {
            second = best.1;
            best = (c as u32, dist);
        } else if dist < second {
            second = dist;
        }
    }
    Bounds {
        label: best.0,
        upper: best.1.sqrt(),
        lower: second.sqrt(),
    }
}

/// Means of the points assigned to each centre. A centre that lost all its points stays where
/// it was (it can win points back next round), so the number of clusters never silently drops.
fn centroids(x: &Matrix, bounds: &[Bounds], previous: &[f64], k: usize) -> Vec<f64> {
    let d = x.n_cols();
    let partials = map_chunks(x.n_rows(), |start, end| {
        let mut sums = vec![0.0; k * d];
        let mut counts = vec![0usize; k];
        for row in start..end {
            let c = bounds[row].label as usize;
            counts[c] += 1;
            for (sum, value) in sums[c * d..(c + 1) * d].iter_mut().zip(x.row(row)) {
                *sum += value;
            }
        }
        (sums, counts)
    });
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for (partial_sums, partial_counts) in partials {
        for (total, value) in sums.iter_mut().zip(partial_sums) {
            *total += value;
        }
        for (total, value) in counts.iter_mut().zip(partial_counts) {
            *total += value;
        }
    }
    for c in 0..k {
        let slot = &mut sums[c * d..(c + 1) * d];
        if counts[c] == 0 {
            slot.copy_from_slice(&previous[c * d..(c + 1) * d]);
        } else {
            slot.iter_mut().for_each(|v| *v /= counts[c] as f64);
        }
    }
    sums
}

/// Moves the bounds by the centre shifts, then re-examines only the points whose bounds no
/// longer prove their assignment. Returns how many labels changed.
fn reassign(x: &Matrix, centers: &[f64], shifts: &[f64], bounds: &mut [Bounds], d: usize) -> usize {
    let k = shifts.len();
    let (largest, largest_at, runner_up) = two_largest(shifts);
    // Half the distance from each centre to its nearest other centre: a point closer than
    // that to its own centre cannot be closer to any other.
    let half_gap: Vec<f64> = (0..k)
        .map(|c| {
            (0..k)
                .filter(|&o| o != c)
                .map(|o| {
                    squared_distance(&centers[c * d..(c + 1) * d], &centers[o * d..(o + 1) * d])
                })
                .fold(f64::INFINITY, f64::min)
                .sqrt()
                / 2.0
        })
        .collect();
    bounds
        .par_chunks_mut(CHUNK_ROWS)
        .enumerate()
        .map(|(chunk, slice)| {
            let mut changed = 0;
            for (offset, bound) in slice.iter_mut().enumerate() {
                let row = chunk * CHUNK_ROWS + offset;
                let own = bound.label as usize;
                bound.upper += shifts[own];
                bound.lower -= if own == largest_at {
                    runner_up
                } else {
                    largest
                };
                let limit = half_gap[own].max(bound.lower);
                if bound.upper <= limit {
                    continue;
                }
                let point = x.row(row);
                bound.upper = squared_distance(point, &centers[own * d..(own + 1) * d]).sqrt();
                if bound.upper <= limit {
                    continue;
                }
                let fresh = nearest_two(point, centers, d);
                if fresh.label != bound.label {
                    changed += 1;
                }
                *bound = fresh;
            }
            changed
        })
        .sum()
}

/// The largest value, where it is, and the second largest.
fn two_largest(values: &[f64]) -> (f64, usize, f64) {
    let mut largest = (f64::NEG_INFINITY, 0);
    let mut runner_up = f64::NEG_INFINITY;
    for (index, &value) in values.iter().enumerate() {
        if value > largest.0 {
            runner_up = largest.0;
            largest = (value, index);
        } else if value > runner_up {
            runner_up = value;
        }
    }
    (largest.0, largest.1, runner_up.max(0.0))
}

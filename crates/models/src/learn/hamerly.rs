//! One k-means run from given centres: Lloyd's iterations accelerated by Hamerly's bounds
//! (Hamerly 2010). Each point keeps an upper bound on the distance to its own centre and a
//! lower bound on the distance to every other; when the bounds prove the assignment cannot
//! change, the point is skipped. The result is exactly Lloyd's (same labels, same centres), at
//! a fraction of the distance computations once the centres settle.

use rayon::prelude::*;

use super::cluster_quality::within_sum_of_squares;
use super::matrix::Matrix;
use super::row_chunks::{CHUNK_ROWS, map_chunks, squared_distance};

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
    let (mut sums, mut counts) = cluster_sums(x, &bounds, k);
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        iterations += 1;
        let updated = means(&sums, &counts, &centers, d);
        let shifts: Vec<f64> = (0..k)
            .map(|c| {
                squared_distance(&updated[c * d..(c + 1) * d], &centers[c * d..(c + 1) * d]).sqrt()
            })
            .collect();
        let total_shift: f64 = shifts.iter().map(|s| s * s).sum();
        centers = updated;
        let moves = reassign(x, &centers, &shifts, &mut bounds, d);
        for (sum, delta) in sums.iter_mut().zip(&moves.sums) {
            *sum += delta;
        }
        for (count, delta) in counts.iter_mut().zip(&moves.counts) {
            *count += delta;
        }
        if moves.changed == 0 || total_shift <= tolerance {
            converged = true;
            break;
        }
    }
    let labels: Vec<u32> = bounds.iter().map(|b| b.label).collect();
    let inertia = within_sum_of_squares(x, &labels, &centers);
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

/// Per-cluster sums of the assigned points and their counts, in one chunked pass. Afterwards
/// they are kept up to date from the points that change cluster (Hamerly's running sums), so an
/// iteration touches only the bounds and the few points whose bounds fail.
fn cluster_sums(x: &Matrix, bounds: &[Bounds], k: usize) -> (Vec<f64>, Vec<i64>) {
    let d = x.n_cols();
    let partials = map_chunks(x.n_rows(), |start, end| {
        let mut sums = vec![0.0; k * d];
        let mut counts = vec![0i64; k];
        for (row, bound) in bounds.iter().enumerate().take(end).skip(start) {
            let c = bound.label as usize;
            counts[c] += 1;
            for (sum, value) in sums[c * d..(c + 1) * d].iter_mut().zip(x.row(row)) {
                *sum += value;
            }
        }
        (sums, counts)
    });
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0i64; k];
    for (partial_sums, partial_counts) in partials {
        add(&mut sums, &partial_sums);
        for (total, value) in counts.iter_mut().zip(partial_counts) {
            *total += value;
        }
    }
    (sums, counts)
}

/// Cluster means from the running sums. A centre that lost all its points stays where it was
/// (it can win points back next round), so the number of clusters never silently drops.
fn means(sums: &[f64], counts: &[i64], previous: &[f64], d: usize) -> Vec<f64> {
    let mut centers = previous.to_vec();
    for (c, &count) in counts.iter().enumerate() {
        if count > 0 {
            for i in c * d..(c + 1) * d {
                centers[i] = sums[i] / count as f64;
            }
        }
    }
    centers
}

fn add(total: &mut [f64], part: &[f64]) {
    for (t, p) in total.iter_mut().zip(part) {
        *t += p;
    }
}

/// What one reassignment pass changed: labels, and the resulting change of the running sums.
struct Moves {
    changed: usize,
    sums: Vec<f64>,
    counts: Vec<i64>,
}

/// Moves the bounds by the centre shifts, then re-examines only the points whose bounds no
/// longer prove their assignment.
fn reassign(x: &Matrix, centers: &[f64], shifts: &[f64], bounds: &mut [Bounds], d: usize) -> Moves {
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
    let partials: Vec<Moves> = bounds
        .par_chunks_mut(CHUNK_ROWS)
        .enumerate()
        .map(|(chunk, slice)| {
            let mut moves = Moves {
                changed: 0,
                sums: vec![0.0; k * d],
                counts: vec![0; k],
            };
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
                *bound = nearest_two(point, centers, d);
                let new = bound.label as usize;
                if new != own {
                    moves.changed += 1;
                    moves.counts[own] -= 1;
                    moves.counts[new] += 1;
                    for (i, value) in point.iter().enumerate() {
                        moves.sums[own * d + i] -= value;
                        moves.sums[new * d + i] += value;
                    }
                }
            }
            moves
        })
        .collect();
    // Combined in chunk order: the same sums for any thread count.
    let mut total = Moves {
        changed: 0,
        sums: vec![0.0; k * d],
        counts: vec![0; k],
    };
    for part in partials {
        total.changed += part.changed;
        add(&mut total.sums, &part.sums);
        for (t, p) in total.counts.iter_mut().zip(part.counts) {
            *t += p;
        }
    }
    total
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

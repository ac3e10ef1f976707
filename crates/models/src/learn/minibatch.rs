//! Mini-batch k-means (Sculley 2010): each step draws a batch of rows, assigns them to the
//! nearest centre and moves each centre towards its batch points with a per-centre learning
//! rate of 1 / (points it has seen). One full pass at the end gives every row its label and the
//! exact inertia. Cost: `steps × batch_size` distance rows instead of `iterations × n`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::cluster_quality::within_sum_of_squares;
use super::hamerly::Run;
use super::kmeans::assign_nearest;
use super::kmeans_init::kmeans_plus_plus;
use super::matrix::Matrix;
use super::row_chunks::squared_distance;

/// Seeds k-means++ on a sample of `3 × batch_size` rows, then runs `steps` mini-batch updates.
pub(crate) fn run(
    x: &Matrix,
    k: usize,
    batch_size: usize,
    steps: usize,
    rng: &mut ChaCha8Rng,
) -> Run {
    let n = x.n_rows();
    let d = x.n_cols();
    let seed_rows: Vec<usize> = (0..(3 * batch_size).min(n))
        .map(|_| rng.random_range(0..n))
        .collect();
    let seed_sample = x.select_rows(&seed_rows);
    let mut centers = kmeans_plus_plus(&seed_sample, k.min(seed_sample.n_rows()), rng);
    while centers.len() < k * d {
        centers.extend_from_slice(x.row(rng.random_range(0..n)));
    }
    let mut seen = vec![0usize; k];
    let mut batch_labels = Vec::with_capacity(batch_size);
    for _ in 0..steps {
        let batch: Vec<usize> = (0..batch_size).map(|_| rng.random_range(0..n)).collect();
        batch_labels.clear();
        for &row in &batch {
            batch_labels.push(nearest(x.row(row), &centers, d));
        }
        for (&row, &c) in batch.iter().zip(&batch_labels) {
            seen[c] += 1;
            let rate = 1.0 / seen[c] as f64;
            for (center, value) in centers[c * d..(c + 1) * d].iter_mut().zip(x.row(row)) {
                *center += rate * (value - *center);
            }
        }
    }
    let labels = assign_nearest(x, &centers);
    let inertia = within_sum_of_squares(x, &labels, &centers);
    Run {
        centers,
        labels,
        inertia,
        iterations: steps,
        converged: true,
    }
}

fn nearest(point: &[f64], centers: &[f64], d: usize) -> usize {
    let mut best = (0, f64::INFINITY);
    for (c, center) in centers.chunks_exact(d).enumerate() {
        let dist = squared_distance(point, center);
        if dist < best.1 {
            best = (c, dist);
        }
    }
    best.0
}

//! How good a clustering is: inertia, the silhouette coefficient and the Calinski–Harabasz
//! index, defined as in scikit-learn (`silhouette_score`, `calinski_harabasz_score`) so the
//! numbers can be checked against it.

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::matrix::Matrix;
use super::row_chunks::{ordered_sum, squared_distance};

/// Mean silhouette coefficient over all rows: for row i with mean distance `a` to the other
/// members of its cluster and smallest mean distance `b` to another cluster,
/// `s = (b − a) / max(a, b)`, and `s = 0` for a row alone in its cluster. `None` when fewer
/// than 2 or more than n − 1 clusters are populated (undefined, as in scikit-learn).
/// Exact, O(n²): call [`sampled_silhouette`] for large data.
pub fn silhouette(x: &Matrix, labels: &[u32]) -> Option<f64> {
    let n = x.n_rows();
    let k = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut sizes = vec![0usize; k];
    for &label in labels {
        sizes[label as usize] += 1;
    }
    let populated = sizes.iter().filter(|&&s| s > 0).count();
    if populated < 2 || populated >= n {
        return None;
    }
    let per_row: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let own = labels[i] as usize;
            if sizes[own] == 1 {
                return 0.0;
            }
            let mut sums = vec![0.0; k];
            let point = x.row(i);
            for j in 0..n {
                sums[labels[j] as usize] += squared_distance(point, x.row(j)).sqrt();
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let scale = a.max(b);
            if scale > 0.0 { (b - a) / scale } else { 0.0 }
        })
        .collect();
    Some(per_row.iter().sum::<f64>() / n as f64)
}

/// The silhouette of a seeded random sample of `sample_size` rows (all rows when there are
/// fewer), as scikit-learn's `silhouette_score(..., sample_size=, random_state=)` does.
pub fn sampled_silhouette(
    x: &Matrix,
    labels: &[u32],
    sample_size: usize,
    seed: u64,
) -> Option<f64> {
    if x.n_rows() <= sample_size {
        return silhouette(x, labels);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = sample(&mut rng, x.n_rows(), sample_size).into_vec();
    rows.sort_unstable();
    let sampled_labels: Vec<u32> = rows.iter().map(|&row| labels[row]).collect();
    silhouette(&x.select_rows(&rows), &sampled_labels)
}

/// Calinski–Harabasz index: between-cluster dispersion over within-cluster dispersion, each
/// divided by its degrees of freedom (`k − 1`, `n − k`). Higher is better. `None` when fewer
/// than 2 clusters are populated or every row is its own cluster. Within dispersion 0 gives 1.0
/// (scikit-learn's convention).
pub fn calinski_harabasz(x: &Matrix, labels: &[u32]) -> Option<f64> {
    let n = x.n_rows();
    let d = x.n_cols();
    let k_slots = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let (centers, sizes) = cluster_means(x, labels, k_slots);
    let k = sizes.iter().filter(|&&s| s > 0).count();
    if k < 2 || k >= n {
        return None;
    }
    let overall: Vec<f64> = (0..d)
        .map(|c| x.column(c).iter().sum::<f64>() / n as f64)
        .collect();
    let between: f64 = (0..k_slots)
        .filter(|&c| sizes[c] > 0)
        .map(|c| sizes[c] as f64 * squared_distance(&centers[c * d..(c + 1) * d], &overall))
        .sum();
    let within = within_sum_of_squares(x, labels, &centers);
    if within == 0.0 {
        return Some(1.0);
    }
    Some(between * (n - k) as f64 / (within * (k - 1) as f64))
}

/// Sum of squared distances of the rows to the mean of their cluster (k-means' inertia at the
/// cluster means).
pub fn within_sum_of_squares(x: &Matrix, labels: &[u32], centers: &[f64]) -> f64 {
    let d = x.n_cols();
    ordered_sum(x.n_rows(), |row| {
        let c = labels[row] as usize;
        squared_distance(x.row(row), &centers[c * d..(c + 1) * d])
    })
}

/// Cluster means (row-major, `k × n_cols`; zero for empty clusters) and sizes.
pub fn cluster_means(x: &Matrix, labels: &[u32], k: usize) -> (Vec<f64>, Vec<usize>) {
    let d = x.n_cols();
    let mut sums = vec![0.0; k * d];
    let mut sizes = vec![0usize; k];
    for (row, &label) in labels.iter().enumerate() {
        let c = label as usize;
        sizes[c] += 1;
        for (sum, value) in sums[c * d..(c + 1) * d].iter_mut().zip(x.row(row)) {
            *sum += value;
        }
    }
    for c in 0..k {
        if sizes[c] > 0 {
            sums[c * d..(c + 1) * d]
                .iter_mut()
                .for_each(|v| *v /= sizes[c] as f64);
        }
    }
    (sums, sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_blobs() -> (Matrix, Vec<u32>) {
        let x = Matrix::from_columns(&[
            vec![0.0, 0.0, 1.0, 10.0, 11.0, 10.0],
            vec![0.0, 1.0, 0.0, 10.0, 10.0, 11.0],
        ])
        .expect("valid test data");
        (x, vec![0, 0, 0, 1, 1, 1])
    }

    #[test]
    fn silhouette_of_hand_computed_blobs() {
        // Row 0: a = (1 + 1) / 2 = 1; b = mean of √200, √221, √221.
        let (x, labels) = two_blobs();
        let b0 = (200f64.sqrt() + 2.0 * 221f64.sqrt()) / 3.0;
        let s = silhouette(&x, &labels).expect("valid test data");
        assert!(s > 0.9 && s < 1.0, "{s}");
        let row0 = (b0 - 1.0) / b0;
        assert!(row0 > s - 0.05);
        assert_eq!(silhouette(&x, &[0; 6]), None);
    }

    #[test]
    fn calinski_harabasz_by_hand() {
        let (x, labels) = two_blobs();
        // Means (1/3, 1/3) and (31/3, 31/3); overall (16/3, 16/3). Between: 2 × 3 × 2 × 25 = 300.
        // Within: each blob 2 × (1/9 + 1/9 + 4/9) = 4/3, total 8/3. CH = 300 × 4 / (8/3 × 1).
        let ch = calinski_harabasz(&x, &labels).expect("valid test data");
        assert!((ch - 450.0).abs() < 1e-9, "{ch}");
    }
}

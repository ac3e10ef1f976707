//! k-means clustering: k-means++ seeding, several seeded starts, Lloyd's iterations with
//! Hamerly's bounds, or mini-batch updates for data too large for full passes.
//!
//! Written here rather than taken from linfa-clustering: see `docs/BENCHMARKS.md`, "Clustering
//! (issue 5)", for the measurement (speed on the 1M × 4 benchmark matrix and labels that must
//! not depend on the thread count).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use thiserror::Error;

use super::hamerly;
use super::kmeans_init::kmeans_plus_plus;
use super::matrix::Matrix;
use super::minibatch;
use super::row_chunks::{map_chunks, squared_distance};

/// How the centres are refined after seeding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KMeansAlgorithm {
    /// Full passes (Lloyd with Hamerly's bounds) until convergence: the exact local optimum.
    Full,
    /// Sculley's mini-batch updates on `batch_size` rows per step, `steps` steps, then one full
    /// assignment pass. For data where full passes cost too much; inertia is slightly worse.
    MiniBatch { batch_size: usize, steps: usize },
}

/// Validated k-means hyperparameters.
///
/// ```
/// use kehu_models::learn::{KMeansParams, Matrix};
/// let x = Matrix::from_columns(&[vec![0.0, 0.1, 5.0, 5.1], vec![0.0, 0.2, 5.0, 4.9]]).unwrap();
/// let model = KMeansParams::new(2).seed(7).fit(&x).unwrap();
/// assert_eq!(model.labels()[0], model.labels()[1]);
/// assert_ne!(model.labels()[0], model.labels()[2]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    n_clusters: usize,
    n_starts: usize,
    max_iterations: usize,
    tolerance: f64,
    seed: u64,
    algorithm: KMeansAlgorithm,
}

/// Why k-means could not run.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum KMeansError {
    #[error("k-means needs at least 1 cluster")]
    NoClusters,
    #[error("k = {k} clusters asked for, but there are only {rows} rows")]
    TooFewRows { k: usize, rows: usize },
    #[error("k-means needs at least one start and one iteration")]
    NoWork,
    #[error("row {row}, column {column} is not a finite number ({value})")]
    NotFinite {
        row: usize,
        column: usize,
        value: f64,
    },
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    centroids: Matrix,
    labels: Vec<u32>,
    inertia: f64,
    iterations: usize,
    converged: bool,
    best_start: usize,
    start_inertias: Vec<f64>,
}

impl KMeansParams {
    /// Defaults as scikit-learn's `KMeans`: 10 starts, 300 iterations, tolerance 1e-4 (relative
    /// to the mean feature variance), seed 0, full passes.
    pub fn new(n_clusters: usize) -> Self {
        Self {
            n_clusters,
            n_starts: 10,
            max_iterations: 300,
            tolerance: 1e-4,
            seed: 0,
            algorithm: KMeansAlgorithm::Full,
        }
    }

    /// The same settings for another number of clusters.
    pub fn with_clusters(mut self, n_clusters: usize) -> Self {
        self.n_clusters = n_clusters;
        self
    }

    pub fn n_starts(mut self, n_starts: usize) -> Self {
        self.n_starts = n_starts;
        self
    }

    pub fn max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Stop when the total squared centre shift falls below `tolerance × mean feature variance`.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn algorithm(mut self, algorithm: KMeansAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// Fits on the rows of `x`. Start `s` draws from ChaCha8 seeded with `seed`, stream `s`, so
    /// the starts run in parallel and the best one (lowest inertia, then lowest start) is the
    /// same whatever the thread count.
    pub fn fit(&self, x: &Matrix) -> Result<KMeans, KMeansError> {
        let k = self.n_clusters;
        if k == 0 {
            return Err(KMeansError::NoClusters);
        }
        if x.n_rows() < k {
            return Err(KMeansError::TooFewRows {
                k,
                rows: x.n_rows(),
            });
        }
        if self.n_starts == 0 || self.max_iterations == 0 {
            return Err(KMeansError::NoWork);
        }
        check_finite(x)?;
        let tolerance = self.tolerance * mean_variance(x);
        let runs: Vec<hamerly::Run> = (0..self.n_starts)
            .into_par_iter()
            .map(|start| {
                let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
                rng.set_stream(start as u64);
                match self.algorithm {
                    KMeansAlgorithm::Full => {
                        let centers = kmeans_plus_plus(x, k, &mut rng);
                        hamerly::run(x, centers, self.max_iterations, tolerance)
                    }
                    KMeansAlgorithm::MiniBatch { batch_size, steps } => {
                        minibatch::run(x, k, batch_size.max(k), steps.max(1), &mut rng)
                    }
                }
            })
            .collect();
        let start_inertias: Vec<f64> = runs.iter().map(|run| run.inertia).collect();
        let best_start = (0..runs.len())
            .min_by(|&a, &b| {
                start_inertias[a]
                    .total_cmp(&start_inertias[b])
                    .then(a.cmp(&b))
            })
            .unwrap_or(0);
        let mut best = runs
            .into_iter()
            .nth(best_start)
            .ok_or(KMeansError::NoWork)?;
        // The starts stop at the tolerance, as scikit-learn's do; the winner then runs on until
        // no customer changes cluster. One start's extra passes are cheap with Hamerly's
        // bounds, and the optimum is then a fixed point (on the bench's 1M × 4 matrix, inertia
        // 769109.7 → 769089.9 for about 0.2 s).
        if self.algorithm == KMeansAlgorithm::Full && self.max_iterations > best.iterations {
            let polished = hamerly::run(
                x,
                best.centers.clone(),
                self.max_iterations - best.iterations,
                0.0,
            );
            if polished.inertia <= best.inertia {
                best = hamerly::Run {
                    iterations: best.iterations + polished.iterations,
                    ..polished
                };
            }
        }
        let centroids = Matrix::from_row_major(best.centers, x.n_cols())
            .map_err(|_| KMeansError::NoClusters)?;
        Ok(KMeans {
            centroids,
            labels: best.labels,
            inertia: best.inertia,
            iterations: best.iterations,
            converged: best.converged,
            best_start,
            start_inertias,
        })
    }
}

impl KMeans {
    /// Cluster centres, one row per cluster.
    pub fn centroids(&self) -> &Matrix {
        &self.centroids
    }

    /// The cluster of every training row (0-based).
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// Sum of squared distances of the rows to their centres (what scikit-learn calls
    /// `inertia_`).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Iterations of the winning start, its run to a fixed point included.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Whether the winning start converged before the iteration limit.
    pub fn converged(&self) -> bool {
        self.converged
    }

    pub fn best_start(&self) -> usize {
        self.best_start
    }

    /// Inertia of every start at the tolerance, in start order (how stable the optimum is);
    /// [`KMeans::inertia`] is the winner's after it ran on to a fixed point.
    pub fn start_inertias(&self) -> &[f64] {
        &self.start_inertias
    }

    pub fn n_clusters(&self) -> usize {
        self.centroids.n_rows()
    }

    /// Rows per cluster.
    pub fn cluster_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.n_clusters()];
        for &label in &self.labels {
            sizes[label as usize] += 1;
        }
        sizes
    }

    /// The nearest centre of each row of `x` (ties: lowest cluster).
    pub fn predict(&self, x: &Matrix) -> Vec<u32> {
        nearest_centroids(x, &self.centroids)
    }
}

/// The nearest row of `centroids` for each row of `x` (ties: the lowest index).
pub fn nearest_centroids(x: &Matrix, centroids: &Matrix) -> Vec<u32> {
    assign_nearest(x, centroids.values())
}

/// [`nearest_centroids`] on centres stored row-major with `x`'s width.
pub(crate) fn assign_nearest(x: &Matrix, centers: &[f64]) -> Vec<u32> {
    let d = x.n_cols();
    map_chunks(x.n_rows(), |start, end| {
        (start..end)
            .map(|row| {
                let point = x.row(row);
                let mut best = (0u32, f64::INFINITY);
                for (c, center) in centers.chunks_exact(d).enumerate() {
                    let dist = squared_distance(point, center);
                    if dist < best.1 {
                        best = (c as u32, dist);
                    }
                }
                best.0
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

fn check_finite(x: &Matrix) -> Result<(), KMeansError> {
    match x.values().iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(at) => Err(KMeansError::NotFinite {
            row: at / x.n_cols(),
            column: at % x.n_cols(),
            value: x.values()[at],
        }),
    }
}

/// Mean over features of the population variance (scikit-learn's scale for `tol`).
fn mean_variance(x: &Matrix) -> f64 {
    let n = x.n_rows() as f64;
    let total: f64 = (0..x.n_cols())
        .map(|column| {
            let values = x.column(column);
            let mean = values.iter().sum::<f64>() / n;
            values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n
        })
        .sum();
    total / x.n_cols() as f64
}

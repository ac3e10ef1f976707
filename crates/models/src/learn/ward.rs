//! Agglomerative clustering with Ward's linkage by the nearest-neighbour chain algorithm
//! (Murtagh 1983; as in fastcluster and SciPy's `linkage(method="ward")`).
//!
//! Clusters are held as centroids and sizes; the Ward distance between A and B is
//! `√(2·|A|·|B| / (|A|+|B|)) · ‖c_A − c_B‖`, which equals the Lance–Williams update SciPy uses,
//! so merge heights match SciPy's. Memory is O(n·d) and time O(n²·d).
//!
//! Written here rather than taken from kodama (the crate behind linfa-hierarchical), which
//! needs the condensed distance matrix, n(n−1)/2 values: measured on the first 20,000 rows of
//! the bench's 1M × 4 matrix, kodama took 8.5 s plus 3.5 s to build that matrix and peaked at
//! 1.61 GB; this NN-chain took 2.4 s at 37 MB, with the same top merge height
//! (237.15482606492938). 30,000 customers would need 3.6 GB with kodama
//! (docs/BENCHMARKS.md, "Clustering (issue 5)").

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use thiserror::Error;

use super::kmeans::assign_nearest;
use super::matrix::Matrix;
use super::row_chunks::squared_distance;

/// Ward clustering settings.
///
/// ```
/// use kehu_models::learn::{Matrix, WardParams};
/// let x = Matrix::from_columns(&[vec![0.0, 0.1, 5.0, 5.2, 9.0]]).unwrap();
/// let ward = WardParams::new().fit(&x).unwrap();
/// assert_eq!(ward.cut_k(2).unwrap(), vec![0, 0, 1, 1, 1]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WardParams {
    /// Largest number of rows clustered directly; larger data is clustered on a seeded sample
    /// and the other rows join the nearest cluster centroid.
    pub max_rows: usize,
    pub seed: u64,
}

/// Why Ward clustering could not run or be cut.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum WardError {
    #[error("Ward clustering needs at least 2 rows, got {0}")]
    TooFewRows(usize),
    #[error("cannot cut {rows} rows into {k} clusters")]
    BadCut { k: usize, rows: usize },
    #[error("row {row}, column {column} is not a finite number")]
    NotFinite { row: usize, column: usize },
}

/// One merge, in SciPy's linkage-matrix layout: ids below n are rows (of the clustered
/// sample), id n + i is the cluster made by merge i.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merge {
    pub left: usize,
    pub right: usize,
    pub height: f64,
    pub size: usize,
}

/// A fitted dendrogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Ward {
    /// Rows of the input that were clustered (all rows unless sampled), ascending.
    sample_rows: Vec<usize>,
    /// n − 1 merges by increasing height.
    merges: Vec<Merge>,
}

impl Default for WardParams {
    fn default() -> Self {
        Self::new()
    }
}

impl WardParams {
    /// Up to 20,000 rows directly, seed 0 (`kehu run` uses `[cluster] ward_max_rows`, 10,000).
    pub fn new() -> Self {
        Self {
            max_rows: 20_000,
            seed: 0,
        }
    }

    pub fn fit(&self, x: &Matrix) -> Result<Ward, WardError> {
        if x.n_rows() < 2 {
            return Err(WardError::TooFewRows(x.n_rows()));
        }
        if let Some(at) = x.values().iter().position(|v| !v.is_finite()) {
            return Err(WardError::NotFinite {
                row: at / x.n_cols(),
                column: at % x.n_cols(),
            });
        }
        let sample_rows: Vec<usize> = if x.n_rows() > self.max_rows.max(2) {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            let mut rows = sample(&mut rng, x.n_rows(), self.max_rows.max(2)).into_vec();
            rows.sort_unstable();
            rows
        } else {
            (0..x.n_rows()).collect()
        };
        let data = x.select_rows(&sample_rows);
        Ok(Ward {
            merges: nn_chain(&data),
            sample_rows,
        })
    }
}

impl Ward {
    pub fn merges(&self) -> &[Merge] {
        &self.merges
    }

    /// Rows of the input the dendrogram was built on.
    pub fn sample_rows(&self) -> &[usize] {
        &self.sample_rows
    }

    /// Cluster labels (0-based, numbered by first appearance) of the clustered rows when the
    /// tree is cut into `k` clusters (SciPy's `fcluster(Z, k, "maxclust")` partition).
    pub fn cut_k(&self, k: usize) -> Result<Vec<u32>, WardError> {
        let n = self.sample_rows.len();
        if k == 0 || k > n {
            return Err(WardError::BadCut { k, rows: n });
        }
        Ok(self.labels_after(n - k))
    }

    /// Labels when every merge higher than `height` is undone.
    pub fn cut_height(&self, height: f64) -> Vec<u32> {
        let kept = self
            .merges
            .iter()
            .take_while(|m| m.height <= height)
            .count();
        self.labels_after(kept)
    }

    /// Labels for every row of `x` (the matrix the tree was fitted on): clustered rows keep
    /// their cluster, the others join the nearest cluster centroid.
    pub fn assign_all(&self, x: &Matrix, sample_labels: &[u32]) -> Vec<u32> {
        if self.sample_rows.len() == x.n_rows() {
            return sample_labels.to_vec();
        }
        let k = sample_labels.iter().max().map_or(0, |&m| m as usize + 1);
        let d = x.n_cols();
        let mut centers = vec![0.0; k * d];
        let mut sizes = vec![0usize; k];
        for (&row, &label) in self.sample_rows.iter().zip(sample_labels) {
            let c = label as usize;
            sizes[c] += 1;
            for (sum, value) in centers[c * d..(c + 1) * d].iter_mut().zip(x.row(row)) {
                *sum += value;
            }
        }
        for c in 0..k {
            centers[c * d..(c + 1) * d]
                .iter_mut()
                .for_each(|v| *v /= sizes[c].max(1) as f64);
        }
        let mut labels = assign_nearest(x, &centers);
        for (&row, &label) in self.sample_rows.iter().zip(sample_labels) {
            labels[row] = label;
        }
        labels
    }

    /// Applies the first `kept` merges and numbers the resulting clusters by their first row.
    fn labels_after(&self, kept: usize) -> Vec<u32> {
        let n = self.sample_rows.len();
        let mut parent: Vec<usize> = (0..2 * n).collect();
        for (i, merge) in self.merges.iter().take(kept).enumerate() {
            parent[merge.left] = n + i;
            parent[merge.right] = n + i;
        }
        let mut root_label = vec![u32::MAX; 2 * n];
        let mut next = 0;
        (0..n)
            .map(|row| {
                let mut node = row;
                while parent[node] != node {
                    node = parent[node];
                }
                if root_label[node] == u32::MAX {
                    root_label[node] = next;
                    next += 1;
                }
                root_label[node]
            })
            .collect()
    }
}

/// The NN-chain: follow nearest neighbours until two clusters are each other's nearest, merge
/// them, continue from the rest of the chain. Returns merges sorted by height and numbered as
/// SciPy numbers them.
fn nn_chain(x: &Matrix) -> Vec<Merge> {
    let n = x.n_rows();
    let d = x.n_cols();
    let mut centroids = x.values().to_vec();
    let mut sizes = vec![1usize; n];
    // Active slots; a merged cluster lives on in the slot of its lower-numbered part.
    let mut active: Vec<usize> = (0..n).collect();
    let mut position: Vec<usize> = (0..n).collect();
    let mut raw: Vec<(usize, usize, f64, usize)> = Vec::with_capacity(n - 1);
    let mut chain: Vec<usize> = Vec::new();
    while active.len() > 1 {
        if chain.is_empty() {
            chain.push(active.iter().copied().min().unwrap_or(0));
        }
        let (a, b, cost) = loop {
            let tip = chain[chain.len() - 1];
            let previous = chain.len().checked_sub(2).map(|i| chain[i]);
            let (nearest, cost) = nearest_cluster(tip, previous, &active, &centroids, &sizes, d);
            if Some(nearest) == previous {
                break (tip, nearest, cost);
            }
            chain.push(nearest);
        };
        chain.truncate(chain.len() - 2);
        let (keep, gone) = (a.min(b), a.max(b));
        let total = sizes[keep] + sizes[gone];
        for i in 0..d {
            centroids[keep * d + i] = (sizes[keep] as f64 * centroids[keep * d + i]
                + sizes[gone] as f64 * centroids[gone * d + i])
                / total as f64;
        }
        raw.push((a, b, cost.sqrt(), total));
        sizes[keep] = total;
        let at = position[gone];
        active.swap_remove(at);
        if at < active.len() {
            position[active[at]] = at;
        }
    }
    label_merges(n, raw)
}

/// The nearest active cluster to `tip` by squared Ward cost; ties prefer the previous chain
/// element (which guarantees the chain ends), then the lowest slot.
fn nearest_cluster(
    tip: usize,
    previous: Option<usize>,
    active: &[usize],
    centroids: &[f64],
    sizes: &[usize],
    d: usize,
) -> (usize, f64) {
    let tip_center = &centroids[tip * d..(tip + 1) * d];
    let tip_size = sizes[tip] as f64;
    let cost = |other: usize| {
        let size = sizes[other] as f64;
        2.0 * tip_size * size / (tip_size + size)
            * squared_distance(tip_center, &centroids[other * d..(other + 1) * d])
    };
    let better = |a: (usize, f64), b: (usize, f64)| {
        let rank = |(slot, value): (usize, f64)| (value, Some(slot) != previous, slot);
        if rank(a).partial_cmp(&rank(b)) == Some(std::cmp::Ordering::Greater) {
            b
        } else {
            a
        }
    };
    let scan = |slots: &[usize]| {
        slots
            .iter()
            .filter(|&&slot| slot != tip)
            .map(|&slot| (slot, cost(slot)))
            .fold((usize::MAX, f64::INFINITY), better)
    };
    if active.len() < 4096 {
        scan(active)
    } else {
        active
            .par_chunks(2048)
            .map(scan)
            .reduce(|| (usize::MAX, f64::INFINITY), better)
    }
}

/// Sorts the raw merges by height (stable) and renames clusters the way SciPy does: the
/// cluster made by merge i is n + i; the smaller id goes left.
fn label_merges(n: usize, mut raw: Vec<(usize, usize, f64, usize)>) -> Vec<Merge> {
    raw.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut parent: Vec<usize> = (0..2 * n).collect();
    fn find(parent: &mut [usize], mut node: usize) -> usize {
        while parent[node] != node {
            parent[node] = parent[parent[node]];
            node = parent[node];
        }
        node
    }
    // Union-find over row ids: the root of each set points at its current cluster id.
    let mut cluster_of: Vec<usize> = (0..n).collect();
    raw.into_iter()
        .enumerate()
        .map(|(i, (a, b, height, size))| {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            let (ia, ib) = (cluster_of[ra], cluster_of[rb]);
            parent[rb] = ra;
            cluster_of[ra] = n + i;
            Merge {
                left: ia.min(ib),
                right: ia.max(ib),
                height,
                size,
            }
        })
        .collect()
}

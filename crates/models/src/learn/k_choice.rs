//! Choosing the number of clusters: k-means over a range of k, with the elbow of the inertia
//! curve, the silhouette (on a seeded sample) and the Calinski–Harabasz index for each, and a
//! recommendation with its reasons.

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

use super::cluster_quality::{calinski_harabasz, sampled_silhouette};
use super::kmeans::{KMeansError, KMeansParams};
use super::matrix::Matrix;

/// How to sweep k.
#[derive(Debug, Clone, PartialEq)]
pub struct KChoiceParams {
    /// Smallest and largest k tried (inclusive).
    pub k_range: (usize, usize),
    /// k-means settings for each k (its `n_clusters` is replaced).
    pub kmeans: KMeansParams,
    /// Rows in the silhouette sample (the silhouette is O(n²)).
    pub silhouette_sample: usize,
    /// The sweep fits on a seeded sample of at most this many rows.
    pub sweep_sample: usize,
    pub seed: u64,
}

/// One k of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct KCandidate {
    pub k: usize,
    pub inertia: f64,
    /// `None` when undefined (fewer than 2 populated clusters).
    pub silhouette: Option<f64>,
    pub calinski_harabasz: Option<f64>,
}

/// The sweep and what it recommends.
#[derive(Debug, Clone, PartialEq)]
pub struct KChoice {
    pub candidates: Vec<KCandidate>,
    /// Rows the sweep ran on (a sample when the data is larger than `sweep_sample`).
    pub rows_used: usize,
    /// The k at the elbow: the point of the inertia curve farthest below the chord from its
    /// first to its last point (both axes scaled to [0, 1]).
    pub elbow_k: Option<usize>,
    /// The k with the highest silhouette.
    pub silhouette_k: Option<usize>,
    /// The k with the highest Calinski–Harabasz index.
    pub calinski_harabasz_k: Option<usize>,
    /// The recommendation: the highest silhouette (clusters that are compact and apart), the
    /// elbow when no silhouette is defined, else the smallest k.
    pub recommended_k: usize,
}

impl KChoiceParams {
    pub fn new(k_range: (usize, usize), kmeans: KMeansParams, seed: u64) -> Self {
        Self {
            k_range,
            kmeans,
            silhouette_sample: 10_000,
            sweep_sample: 200_000,
            seed,
        }
    }

    /// Runs the sweep. k larger than the number of rows is skipped.
    pub fn fit(&self, x: &Matrix) -> Result<KChoice, KMeansError> {
        let (low, high) = (
            self.k_range.0.max(1),
            self.k_range.1.max(self.k_range.0.max(1)),
        );
        let sampled;
        let data = if x.n_rows() > self.sweep_sample {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            let mut rows = sample(&mut rng, x.n_rows(), self.sweep_sample).into_vec();
            rows.sort_unstable();
            sampled = x.select_rows(&rows);
            &sampled
        } else {
            x
        };
        let mut candidates = Vec::new();
        for k in low..=high.min(data.n_rows()) {
            let model = self.kmeans.clone().with_clusters(k).fit(data)?;
            candidates.push(KCandidate {
                k,
                inertia: model.inertia(),
                silhouette: sampled_silhouette(
                    data,
                    model.labels(),
                    self.silhouette_sample,
                    self.seed,
                ),
                calinski_harabasz: calinski_harabasz(data, model.labels()),
            });
        }
        if candidates.is_empty() {
            return Err(KMeansError::TooFewRows {
                k: low,
                rows: data.n_rows(),
            });
        }
        let elbow_k = elbow(&candidates);
        let silhouette_k = best_by(&candidates, |c| c.silhouette);
        let calinski_harabasz_k = best_by(&candidates, |c| c.calinski_harabasz);
        let recommended_k = silhouette_k.or(elbow_k).unwrap_or(candidates[0].k);
        Ok(KChoice {
            candidates,
            rows_used: data.n_rows(),
            elbow_k,
            silhouette_k,
            calinski_harabasz_k,
            recommended_k,
        })
    }
}

/// The k whose score is highest (ties: the smaller k).
fn best_by(candidates: &[KCandidate], score: impl Fn(&KCandidate) -> Option<f64>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for candidate in candidates {
        if let Some(value) = score(candidate)
            && best.is_none_or(|(_, top)| value > top)
        {
            best = Some((candidate.k, value));
        }
    }
    best.map(|(k, _)| k)
}

/// The "kneedle" elbow of a decreasing inertia curve; needs at least 3 points.
fn elbow(candidates: &[KCandidate]) -> Option<usize> {
    if candidates.len() < 3 {
        return None;
    }
    let first = &candidates[0];
    let last = &candidates[candidates.len() - 1];
    let k_span = (last.k - first.k) as f64;
    let inertia_span = first.inertia - last.inertia;
    if inertia_span <= 0.0 {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for candidate in &candidates[1..candidates.len() - 1] {
        let along = (candidate.k - first.k) as f64 / k_span;
        let drop = (first.inertia - candidate.inertia) / inertia_span;
        // Distance above the chord y = x in the (k, share of the total drop) plane.
        let gap = drop - along;
        if gap > 0.0 && best.is_none_or(|(_, top)| gap > top) {
            best = Some((candidate.k, gap));
        }
    }
    best.map(|(k, _)| k)
}

//! Learned segments: k-means (scheme `cluster`) and Ward (scheme `ward_cluster`) on the
//! configured features, named from their profiles, with the choice of k and the cluster
//! profiles recorded for the report.

use crate::cluster_names::{ClusterName, name_cluster};
use crate::config::{ClusterConfig, NOT_APPLICABLE};
use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::schemes::{SchemeOutcome, SchemeRow, info, label_of, num};
use kehu_domain::{Label, Labelling, Note};
use kehu_models::learn::{
    Contingency, KChoiceParams, KMeansAlgorithm, KMeansParams, Matrix, Merge, WardParams,
    calinski_harabasz, relabel_by_size, sampled_silhouette,
};
use serde::Serialize;

pub(crate) const KMEANS: SchemeRow = ("cluster", "Cluster (k-means)", "聚类（K 均值）");
pub(crate) const WARD: SchemeRow = ("ward_cluster", "Cluster (Ward)", "聚类（Ward 层次）");

/// Above this many customers, `algorithm = "auto"` uses mini-batch k-means.
const MINIBATCH_ABOVE: usize = 2_000_000;
/// Most clusters a Ward cut by height may give.
const MAX_WARD_CLUSTERS: usize = 50;
/// Merges of the Ward tree kept for the report's dendrogram (the top of the tree).
const DENDROGRAM_MERGES: usize = 40;

/// What the clustering step learned, for run.json and the report.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterReport {
    /// Feature columns, in matrix order.
    pub features: Vec<String>,
    /// `log1p` or `none`.
    pub transform: String,
    /// Per-feature mean and standard deviation of the transformed values (the standardisation).
    pub scaling: Vec<(f64, f64)>,
    /// Customers clustered (buyers with a value in every feature).
    pub customers: usize,
    /// Customers left out (no order, or a missing feature), labelled `none`.
    pub excluded: usize,
    /// The number of clusters used.
    pub k: usize,
    /// The sweep over k when `k = 0`.
    pub k_choice: Option<KChoiceReport>,
    /// The k-means fit.
    pub kmeans: KMeansReport,
    /// One profile per k-means cluster, largest first.
    pub clusters: Vec<ClusterProfile>,
    /// The Ward clustering, when asked for.
    pub ward: Option<WardReport>,
}

/// The sweep over k.
#[derive(Debug, Clone, Serialize)]
pub struct KChoiceReport {
    /// Rows the sweep ran on.
    pub rows: usize,
    /// (k, inertia, silhouette, Calinski–Harabasz).
    pub candidates: Vec<(usize, f64, Option<f64>, Option<f64>)>,
    pub elbow_k: Option<usize>,
    pub silhouette_k: Option<usize>,
    pub calinski_harabasz_k: Option<usize>,
    pub recommended_k: usize,
    /// Why this k, in both languages.
    pub why: Note,
}

/// The k-means fit.
#[derive(Debug, Clone, Serialize)]
pub struct KMeansReport {
    pub algorithm: &'static str,
    pub starts: usize,
    pub inertia: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Inertia of every start (how stable the optimum is).
    pub start_inertias: Vec<f64>,
    /// Silhouette on a seeded sample of at most `silhouette_sample` customers.
    pub silhouette: Option<f64>,
    pub calinski_harabasz: Option<f64>,
}

/// One cluster as a person reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterProfile {
    pub code: String,
    pub en: String,
    pub zh: String,
    pub customers: usize,
    pub share: f64,
    /// Mean of each feature in its own unit (days, orders, money).
    pub means: Vec<f64>,
    /// The centroid in standard deviations from the population mean (after the transform).
    pub z: Vec<f64>,
    /// The most common value tier and RFM segment of its members, when those schemes ran.
    pub value_tier: Option<String>,
    pub rfm_segment: Option<String>,
}

/// One merge of the Ward tree: clusters `left` and `right` join at `height` into a cluster of
/// `size` customers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DendrogramMerge {
    pub left: usize,
    pub right: usize,
    pub height: f64,
    pub size: usize,
}

/// The Ward clustering.
#[derive(Debug, Clone, Serialize)]
pub struct WardReport {
    /// Customers in the tree (a seeded sample when there are more than `ward_max_rows`).
    pub rows_in_tree: usize,
    /// The top merges of the tree in SciPy's linkage layout (ids below `rows_in_tree` are
    /// customers of the sample, id `rows_in_tree + i` is merge i).
    pub top_merges: Vec<DendrogramMerge>,
    /// Index of the first merge in `top_merges` among all merges.
    pub first_merge: usize,
    /// The height at which the tree was cut into k clusters (between two merges).
    pub cut_height: f64,
    pub clusters: Vec<ClusterProfile>,
    /// Adjusted Rand index between the Ward and the k-means clusters.
    pub agreement_with_kmeans: f64,
    pub silhouette: Option<f64>,
}

/// Runs k-means (and Ward) as configured. `outcomes` are the schemes that already ran (their
/// labels name the clusters' closest value tier and RFM segment).
pub(crate) fn cluster_schemes(
    frame: &FeatureFrame,
    c: &ClusterConfig,
    outcomes: &[SchemeOutcome],
) -> Result<(Vec<SchemeOutcome>, Option<ClusterReport>), PipelineError> {
    let prepared = match prepare_matrix(frame, c) {
        Ok(prepared) => prepared,
        Err(reason) => {
            let mut out = vec![SchemeOutcome::Skipped {
                scheme: info(KMEANS),
                reason: reason.clone(),
            }];
            if c.ward {
                out.push(SchemeOutcome::Skipped {
                    scheme: info(WARD),
                    reason,
                });
            }
            return Ok((out, None));
        }
    };
    let Prepared {
        matrix,
        rows,
        scaling,
    } = prepared;
    let kmeans_params = KMeansParams::new(c.k.max(2))
        .n_starts(c.starts)
        .max_iterations(c.max_iterations)
        .seed(c.seed)
        .algorithm(algorithm(c, matrix.n_rows()));
    let k_choice = if c.k == 0 {
        let sweep = KChoiceParams {
            silhouette_sample: c.silhouette_sample,
            ..KChoiceParams::new(
                (c.k_range[0], c.k_range[1]),
                kmeans_params.clone().n_starts(c.starts.min(4)),
                c.seed,
            )
        }
        .fit(&matrix)
        .map_err(|e| PipelineError::Input(format!("kehu.toml [cluster]: {e}")))?;
        Some(sweep)
    } else {
        None
    };
    let k = k_choice
        .as_ref()
        .map_or(c.k, |choice| choice.recommended_k)
        .min(matrix.n_rows());
    let model = kmeans_params
        .with_clusters(k)
        .fit(&matrix)
        .map_err(|e| PipelineError::Input(format!("kehu.toml [cluster]: {e}")))?;
    let (labels, _) = relabel_by_size(model.labels(), k);
    let context = Context {
        frame,
        features: &c.features,
        rows: &rows,
        matrix: &matrix,
        outcomes,
    };
    let clusters = context.profiles(&labels, k);
    let kmeans = KMeansReport {
        algorithm: if matches!(algorithm(c, matrix.n_rows()), KMeansAlgorithm::Full) {
            "full"
        } else {
            "minibatch"
        },
        starts: c.starts,
        inertia: model.inertia(),
        iterations: model.iterations(),
        converged: model.converged(),
        start_inertias: model.start_inertias().to_vec(),
        silhouette: sampled_silhouette(&matrix, &labels, c.silhouette_sample, c.seed),
        calinski_harabasz: calinski_harabasz(&matrix, &labels),
    };
    let mut notes = vec![features_note(c, rows.len(), frame.len() - rows.len())];
    let k_choice = k_choice.map(|choice| {
        let why = why_k(&choice);
        notes.push(why.clone());
        KChoiceReport {
            rows: choice.rows_used,
            candidates: choice
                .candidates
                .iter()
                .map(|c| (c.k, c.inertia, c.silhouette, c.calinski_harabasz))
                .collect(),
            elbow_k: choice.elbow_k,
            silhouette_k: choice.silhouette_k,
            calinski_harabasz_k: choice.calinski_harabasz_k,
            recommended_k: choice.recommended_k,
            why,
        }
    });
    let mut out = vec![labelling(
        KMEANS,
        frame.len(),
        &rows,
        &labels,
        &clusters,
        notes,
    )];
    let ward = if c.ward {
        let (outcome, report) = ward(&context, c, k, &labels)?;
        out.push(outcome);
        Some(report)
    } else {
        None
    };
    let report = ClusterReport {
        features: c.features.clone(),
        transform: c.transform.clone(),
        scaling,
        customers: rows.len(),
        excluded: frame.len() - rows.len(),
        k,
        k_choice,
        kmeans,
        clusters,
        ward,
    };
    Ok((out, Some(report)))
}

fn algorithm(c: &ClusterConfig, rows: usize) -> KMeansAlgorithm {
    let minibatch = KMeansAlgorithm::MiniBatch {
        batch_size: 4096,
        steps: 300,
    };
    match c.algorithm.as_str() {
        "minibatch" => minibatch,
        "auto" if rows > MINIBATCH_ABOVE => minibatch,
        _ => KMeansAlgorithm::Full,
    }
}

/// Ward into the same k, on the same matrix.
fn ward(
    context: &Context<'_>,
    c: &ClusterConfig,
    k: usize,
    kmeans_labels: &[u32],
) -> Result<(SchemeOutcome, WardReport), PipelineError> {
    let tree = WardParams {
        max_rows: c.ward_max_rows,
        seed: c.seed,
    }
    .fit(context.matrix)
    .map_err(|e| PipelineError::Input(format!("kehu.toml [cluster] Ward: {e}")))?;
    let sample_labels = if c.ward_cut_height > 0.0 {
        tree.cut_height(c.ward_cut_height)
    } else {
        tree.cut_k(k)
            .map_err(|e| PipelineError::Input(format!("kehu.toml [cluster] Ward: {e}")))?
    };
    let k = sample_labels.iter().max().map_or(1, |&m| m as usize + 1);
    if k > MAX_WARD_CLUSTERS {
        return Err(PipelineError::Input(format!(
            "kehu.toml [cluster] ward_cut_height = {}: the cut gives {k} clusters; raise the height (the top merges are at {})",
            c.ward_cut_height,
            tree.merges()
                .iter()
                .rev()
                .take(3)
                .map(|m| format!("{:.2}", m.height))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let all = tree.assign_all(context.matrix, &sample_labels);
    let (labels, _) = relabel_by_size(&all, k);
    let clusters = context.profiles(&labels, k);
    let merges = tree.merges();
    let first_merge = merges.len().saturating_sub(DENDROGRAM_MERGES);
    let n_merges = merges.len();
    let cut_height = match k {
        _ if c.ward_cut_height > 0.0 => c.ward_cut_height,
        k if k > n_merges => 0.0,
        k => {
            let below = merges[n_merges - k].height;
            let above = merges.get(n_merges + 1 - k).map_or(below, |m| m.height);
            (below + above) / 2.0
        }
    };
    let agreement = Contingency::new(&labels, kmeans_labels).adjusted_rand_index();
    let note = Note::new(
        format!(
            "Ward's method on {} customers{}, cut into {k} clusters; agreement with k-means (adjusted Rand index): {:.2}.",
            tree.sample_rows().len(),
            if tree.sample_rows().len() < labels.len() {
                " (a seeded sample; the others joined the nearest cluster)"
            } else {
                ""
            },
            agreement
        ),
        format!(
            "Ward 层次聚类，{} 位客户{}，切分为 {k} 类；与 K 均值的一致度（调整兰德指数）：{:.2}。",
            tree.sample_rows().len(),
            if tree.sample_rows().len() < labels.len() {
                "（随机抽样，其余客户归入最近的类）"
            } else {
                ""
            },
            agreement
        ),
    );
    let report = WardReport {
        rows_in_tree: tree.sample_rows().len(),
        top_merges: merges[first_merge..]
            .iter()
            .map(|m: &Merge| DendrogramMerge {
                left: m.left,
                right: m.right,
                height: m.height,
                size: m.size,
            })
            .collect(),
        first_merge,
        cut_height,
        silhouette: sampled_silhouette(context.matrix, &labels, c.silhouette_sample, c.seed),
        agreement_with_kmeans: agreement,
        clusters: clusters.clone(),
    };
    Ok((
        labelling(
            WARD,
            context.frame.len(),
            context.rows,
            &labels,
            &clusters,
            vec![note],
        ),
        report,
    ))
}

/// The matrix of the clustered customers.
struct Prepared {
    matrix: Matrix,
    /// Frame row of each matrix row.
    rows: Vec<usize>,
    scaling: Vec<(f64, f64)>,
}

/// Transformed, standardised features of the buyers with a value in every feature; a note
/// saying why when clustering cannot run.
fn prepare_matrix(frame: &FeatureFrame, c: &ClusterConfig) -> Result<Prepared, Note> {
    let mut columns = Vec::with_capacity(c.features.len());
    for name in &c.features {
        let Some(values) = frame.numeric(name) else {
            return Err(Note::new(
                format!("[cluster] feature `{name}` is not a numeric column of the feature table"),
                format!("[cluster] 特征 `{name}` 不是特征表中的数值列"),
            ));
        };
        columns.push(values);
    }
    let orders = frame
        .numeric("orders")
        .unwrap_or_else(|| vec![1.0; frame.len()]);
    let rows: Vec<usize> = (0..frame.len())
        .filter(|&i| orders[i] >= 1.0 && columns.iter().all(|col| col[i].is_finite()))
        .collect();
    let needed = c.k.max(c.k_range[0]).max(c.min_customers).max(2);
    if rows.len() < needed {
        return Err(Note::new(
            format!(
                "only {} customers have orders and every clustering feature; clustering needs at least {needed}",
                rows.len()
            ),
            format!(
                "只有 {} 位客户有订单且各聚类特征齐全；聚类至少需要 {needed} 位",
                rows.len()
            ),
        ));
    }
    let mut scaling = Vec::with_capacity(columns.len());
    let columns: Vec<Vec<f64>> = columns
        .iter()
        .map(|col| {
            let mut values: Vec<f64> = rows
                .iter()
                .map(|&i| transform(col[i], &c.transform))
                .collect();
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let std = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
            if c.standardise {
                let scale = if std > 0.0 { std } else { 1.0 };
                values.iter_mut().for_each(|v| *v = (*v - mean) / scale);
            }
            scaling.push((mean, std));
            values
        })
        .collect();
    let matrix =
        Matrix::from_columns(&columns).map_err(|e| Note::new(e.to_string(), e.to_string()))?;
    Ok(Prepared {
        matrix,
        rows,
        scaling,
    })
}

/// `log1p` keeps the sign: sign(x)·ln(1 + |x|) (net revenue can be negative).
fn transform(value: f64, how: &str) -> f64 {
    match how {
        "log1p" => value.signum() * value.abs().ln_1p(),
        _ => value,
    }
}

/// What the cluster profiles need.
struct Context<'a> {
    frame: &'a FeatureFrame,
    features: &'a [String],
    rows: &'a [usize],
    matrix: &'a Matrix,
    outcomes: &'a [SchemeOutcome],
}

impl Context<'_> {
    /// Profiles of clusters `0..k` of `labels` (one per matrix row).
    fn profiles(&self, labels: &[u32], k: usize) -> Vec<ClusterProfile> {
        let d = self.features.len();
        let raw: Vec<Vec<f64>> = self
            .features
            .iter()
            .map(|f| self.frame.numeric(f).unwrap_or_default())
            .collect();
        let mut sizes = vec![0usize; k];
        let mut z = vec![0.0; k * d];
        let mut means = vec![0.0; k * d];
        for (m, &label) in labels.iter().enumerate() {
            let c = label as usize;
            sizes[c] += 1;
            for j in 0..d {
                z[c * d + j] += self.matrix.row(m)[j];
                means[c * d + j] += raw[j][self.rows[m]];
            }
        }
        let majority = |scheme: &str, cluster: usize| -> Option<String> {
            let labelling = self.outcomes.iter().find_map(|o| match o {
                SchemeOutcome::Done(l) if l.scheme.id == scheme => Some(l),
                _ => None,
            })?;
            let mut counts = vec![0usize; labelling.labels.len()];
            for (m, &label) in labels.iter().enumerate() {
                if label as usize == cluster {
                    counts[labelling.assigned[self.rows[m]] as usize] += 1;
                }
            }
            let best =
                (0..counts.len()).max_by(|&a, &b| counts[a].cmp(&counts[b]).then(b.cmp(&a)))?;
            Some(labelling.labels[best].code.clone())
        };
        (0..k)
            .map(|c| {
                let size = sizes[c].max(1) as f64;
                let z: Vec<f64> = z[c * d..(c + 1) * d].iter().map(|v| v / size).collect();
                let means: Vec<f64> = means[c * d..(c + 1) * d].iter().map(|v| v / size).collect();
                let ClusterName { en, zh } = name_cluster(c, self.features, &z, &means);
                ClusterProfile {
                    code: format!("c{}", c + 1),
                    en,
                    zh,
                    customers: sizes[c],
                    share: sizes[c] as f64 / labels.len().max(1) as f64,
                    means,
                    z,
                    value_tier: majority("value_tier", c),
                    rfm_segment: majority("rfm_segment", c),
                }
            })
            .collect()
    }
}

/// The labelling of a clustering: clusters c1..ck, everyone not clustered `none`.
fn labelling(
    row: SchemeRow,
    customers: usize,
    rows: &[usize],
    labels: &[u32],
    clusters: &[ClusterProfile],
    notes: Vec<Note>,
) -> SchemeOutcome {
    let mut names: Vec<Label> = clusters
        .iter()
        .map(|p| Label::new(&p.code, &p.en, &p.zh))
        .collect();
    names.push(label_of(NOT_APPLICABLE, None));
    let mut assigned = vec![clusters.len() as u32; customers];
    for (m, &label) in labels.iter().enumerate() {
        assigned[rows[m]] = label;
    }
    SchemeOutcome::Done(Labelling {
        scheme: info(row),
        labels: names,
        assigned,
        notes,
    })
}

fn features_note(c: &ClusterConfig, clustered: usize, excluded: usize) -> Note {
    let transform_en = if c.transform == "log1p" {
        "log1p of "
    } else {
        ""
    };
    let transform_zh = if c.transform == "log1p" {
        "对数变换（log1p）后的"
    } else {
        ""
    };
    Note::new(
        format!(
            "{clustered} customers clustered on {transform_en}{}{}; {excluded} without orders or a feature value are `none`.",
            c.features.join(", "),
            if c.standardise { ", standardised" } else { "" }
        ),
        format!(
            "按{transform_zh}{}{}聚类 {clustered} 位客户；{excluded} 位无订单或缺少特征值的客户为 `none`。",
            c.features.join("、"),
            if c.standardise { "（标准化）" } else { "" }
        ),
    )
}

/// Why the sweep chose its k.
fn why_k(choice: &kehu_models::learn::KChoice) -> Note {
    let k = choice.recommended_k;
    let (low, high) = (
        choice.candidates.first().map_or(k, |c| c.k),
        choice.candidates.last().map_or(k, |c| c.k),
    );
    let silhouette = choice
        .candidates
        .iter()
        .find(|c| c.k == k)
        .and_then(|c| c.silhouette);
    let mut en = match silhouette {
        Some(s) if choice.silhouette_k == Some(k) => {
            format!(
                "k = {k}: the highest silhouette ({}) of k = {low}..{high}",
                num(s)
            )
        }
        _ => format!("k = {k}: the elbow of the inertia curve over k = {low}..{high}"),
    };
    let mut zh = match silhouette {
        Some(s) if choice.silhouette_k == Some(k) => {
            format!("k = {k}：在 k = {low}..{high} 中轮廓系数最高（{}）", num(s))
        }
        _ => format!("k = {k}：k = {low}..{high} 惯性曲线的拐点"),
    };
    if let Some(elbow) = choice.elbow_k {
        en.push_str(&format!("; the inertia curve bends at k = {elbow}"));
        zh.push_str(&format!("；惯性曲线在 k = {elbow} 处拐弯"));
    }
    if let Some(ch) = choice.calinski_harabasz_k {
        en.push_str(&format!("; Calinski–Harabasz peaks at k = {ch}"));
        zh.push_str(&format!("；Calinski–Harabasz 指数在 k = {ch} 最高"));
    }
    en.push('.');
    zh.push('。');
    Note::new(en, zh)
}

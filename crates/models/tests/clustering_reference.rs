//! k-means, silhouette, Calinski–Harabasz and Ward against scikit-learn 1.9.1 / SciPy 1.17.1 on
//! the standardised log R, F, M, AOV matrix of the bundled Online Retail data (4,322
//! customers). The fixtures and the reference numbers come from
//! `scripts/sklearn_cluster_reference.py`.

use std::io::Read;

use flate2::read::GzDecoder;
use kehu_models::learn::{
    Contingency, KChoiceParams, KMeansAlgorithm, KMeansParams, Matrix, WardParams,
    calinski_harabasz, silhouette,
};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cluster");

fn read_gz(name: &str) -> String {
    let file = std::fs::File::open(format!("{FIXTURES}/{name}")).expect("valid test data");
    let mut text = String::new();
    GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("valid test data");
    text
}

fn reference() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/sklearn_reference.json"))
            .expect("valid test data"),
    )
    .expect("valid test data")
}

/// The matrix and scikit-learn's k = 4 labels.
fn online_retail() -> (Matrix, Vec<u32>) {
    let text = read_gz("online_retail_rfm.csv.gz");
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        values.extend(
            fields[..4]
                .iter()
                .map(|v| v.parse::<f64>().expect("valid test data")),
        );
        labels.push(fields[4].parse().expect("valid test data"));
    }
    (
        Matrix::from_row_major(values, 4).expect("valid test data"),
        labels,
    )
}

#[test]
fn kmeans_inertia_is_within_one_percent_of_sklearn_best_of_ten() {
    let (x, _) = online_retail();
    let reference = reference();
    assert_eq!(
        x.n_rows() as u64,
        reference["rows"].as_u64().expect("valid test data")
    );
    for k in 2..=8 {
        let sklearn = reference["kmeans_inertia"][k.to_string()]
            .as_f64()
            .expect("valid test data");
        let model = KMeansParams::new(k)
            .seed(42)
            .fit(&x)
            .expect("valid test data");
        // Issue 5: inertia within 1% of scikit-learn's best of 10 starts for the same k.
        assert!(
            model.inertia() <= sklearn * 1.01,
            "k={k}: kehu {} vs sklearn {sklearn}",
            model.inertia()
        );
        assert_eq!(model.cluster_sizes().iter().sum::<usize>(), x.n_rows());
        assert!(model.converged());
    }
}

#[test]
fn silhouette_and_calinski_harabasz_equal_sklearn_for_the_same_labels() {
    let (x, labels) = online_retail();
    let reference = reference();
    let s = silhouette(&x, &labels).expect("valid test data");
    let expected = reference["silhouette_k4"]
        .as_f64()
        .expect("valid test data");
    // Same definition, same labels: equal up to summation order.
    assert!(
        (s - expected).abs() < 1e-12,
        "silhouette {s} vs sklearn {expected}"
    );
    let ch = calinski_harabasz(&x, &labels).expect("valid test data");
    let expected = reference["calinski_harabasz_k4"]
        .as_f64()
        .expect("valid test data");
    assert!(
        (ch - expected).abs() < 1e-9 * expected,
        "CH {ch} vs sklearn {expected}"
    );
}

#[test]
fn ward_clusters_are_scipys() {
    let (x, _) = online_retail();
    let head = x.select_rows(&(0..3000).collect::<Vec<_>>());
    let ward = WardParams::new().fit(&head).expect("valid test data");
    let heights: Vec<f64> = ward
        .merges()
        .iter()
        .rev()
        .take(5)
        .map(|m| m.height)
        .collect();
    let scipy: Vec<f64> = reference()["ward_3000_top_heights"]
        .as_array()
        .expect("valid test data")
        .iter()
        .rev()
        .map(|h| h.as_f64().expect("valid test data"))
        .collect();
    for (ours, theirs) in heights.iter().zip(&scipy) {
        assert!(
            (ours - theirs).abs() < 1e-9 * theirs,
            "merge height {ours} vs SciPy {theirs}"
        );
    }
    let text = read_gz("ward_3000.csv.gz");
    for (column, k) in [3usize, 5, 8].into_iter().enumerate() {
        let scipy_labels: Vec<u32> = text
            .lines()
            .skip(1)
            .map(|line| {
                line.split(',')
                    .nth(column)
                    .expect("valid test data")
                    .parse::<u32>()
                    .expect("valid test data")
                    - 1
            })
            .collect();
        let ours = ward.cut_k(k).expect("valid test data");
        let agreement = Contingency::new(&ours, &scipy_labels).adjusted_rand_index();
        // Identical partitions (label names differ): ARI exactly 1.
        assert_eq!(agreement, 1.0, "k={k}");
    }
}

#[test]
fn kmeans_labels_do_not_depend_on_the_thread_count() {
    let (x, _) = online_retail();
    let fit = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("valid test data")
            .install(|| {
                KMeansParams::new(5)
                    .seed(9)
                    .fit(&x)
                    .expect("valid test data")
            })
    };
    let one = fit(1);
    let four = fit(4);
    assert_eq!(one, four);
    let minibatch = KMeansParams::new(5)
        .seed(9)
        .algorithm(KMeansAlgorithm::MiniBatch {
            batch_size: 512,
            steps: 200,
        });
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("valid test data")
            .install(|| minibatch.fit(&x).expect("valid test data"))
    };
    let (a, b) = (run(1), run(3));
    assert_eq!(a, b);
    // Mini-batch trades a little inertia for far fewer passes.
    assert!(
        a.inertia() < one.inertia() * 1.05,
        "mini-batch {} vs full {}",
        a.inertia(),
        one.inertia()
    );
}

#[test]
fn choosing_k_reports_every_criterion() {
    let (x, _) = online_retail();
    let choice = KChoiceParams::new((2, 8), KMeansParams::new(2).seed(1).n_starts(4), 1)
        .fit(&x)
        .expect("valid test data");
    assert_eq!(choice.candidates.len(), 7);
    assert!(
        choice
            .candidates
            .windows(2)
            .all(|w| w[1].inertia < w[0].inertia)
    );
    assert!(
        choice
            .candidates
            .iter()
            .all(|c| c.silhouette.is_some() && c.calinski_harabasz.is_some())
    );
    let best = choice
        .candidates
        .iter()
        .map(|c| c.silhouette.expect("valid test data"))
        .fold(f64::MIN, f64::max);
    let chosen = choice
        .candidates
        .iter()
        .find(|c| c.k == choice.recommended_k)
        .expect("valid test data");
    assert_eq!(chosen.silhouette, Some(best));
    assert!(choice.elbow_k.is_some());
}

//! The CART tree against scikit-learn 1.9.1 `DecisionTreeClassifier` on the bundled Telco
//! churn and UCI bank-marketing data. The matrices, the split (test rows: data-row index
//! divisible by 5) and the reference numbers come from `scripts/sklearn_tree_reference.py`,
//! whose docstring defines the columns; this file builds the same matrices from `data/`.

use std::io::Read;

use flate2::read::GzDecoder;
use kehu_models::learn::{
    ClassWeight, ClassificationReport, Criterion, DecisionTree, Matrix, TreeParams, rule_matches,
};
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tree/sklearn_reference.json"
);

struct Spec {
    file: &'static str,
    separator: char,
    numeric: &'static [&'static str],
    categorical: &'static [&'static str],
    label: (&'static str, &'static str),
}

const TELCO: Spec = Spec {
    file: "telco_churn.csv.gz",
    separator: ',',
    numeric: &["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"],
    categorical: &[
        "gender",
        "Partner",
        "Dependents",
        "PhoneService",
        "MultipleLines",
        "InternetService",
        "OnlineSecurity",
        "OnlineBackup",
        "DeviceProtection",
        "TechSupport",
        "StreamingTV",
        "StreamingMovies",
        "Contract",
        "PaperlessBilling",
        "PaymentMethod",
    ],
    label: ("Churn", "Yes"),
};

const BANK: Spec = Spec {
    file: "bank_marketing.csv.gz",
    separator: ';',
    numeric: &["age", "balance", "day", "campaign", "pdays", "previous"],
    categorical: &[
        "job",
        "marital",
        "education",
        "default",
        "housing",
        "loan",
        "contact",
        "month",
        "poutcome",
    ],
    label: ("y", "yes"),
};

struct Data {
    x: Matrix,
    y: Vec<u32>,
    names: Vec<String>,
}

/// Numeric columns as floats (a blank is `blank`), then one 0/1 column per sorted distinct
/// value of each categorical column; label 1 for the positive value.
fn load(spec: &Spec, blank: f64) -> Data {
    let mut text = String::new();
    GzDecoder::new(std::fs::File::open(format!("{DATA}/{}", spec.file)).expect("valid test data"))
        .read_to_string(&mut text)
        .expect("valid test data");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|line| {
            line.split(spec.separator)
                .map(|f| f.trim_matches('"'))
                .collect()
        })
        .collect();
    let (header, rows) = rows.split_first().expect("valid test data");
    let at = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("valid test data")
    };
    let mut columns = Vec::new();
    let mut names = Vec::new();
    for &name in spec.numeric {
        let j = at(name);
        columns.push(
            rows.iter()
                .map(|r| match r[j].trim() {
                    "" => blank,
                    v => v.parse::<f64>().expect("valid test data"),
                })
                .collect::<Vec<f64>>(),
        );
        names.push(name.to_string());
    }
    for &name in spec.categorical {
        let j = at(name);
        let mut values: Vec<&str> = rows.iter().map(|r| r[j]).collect();
        values.sort_unstable();
        values.dedup();
        for value in values {
            columns.push(rows.iter().map(|r| f64::from(r[j] == value)).collect());
            names.push(format!("{name}={value}"));
        }
    }
    let (label, positive) = spec.label;
    let j = at(label);
    let y = rows.iter().map(|r| u32::from(r[j] == positive)).collect();
    Data {
        x: Matrix::from_columns(&columns).expect("valid test data"),
        y,
        names,
    }
}

fn split(data: &Data) -> (Matrix, Vec<u32>, Matrix, Vec<u32>) {
    let (test, train): (Vec<usize>, Vec<usize>) = (0..data.y.len()).partition(|i| i % 5 == 0);
    let labels = |rows: &[usize]| rows.iter().map(|&i| data.y[i]).collect::<Vec<u32>>();
    (
        data.x.select_rows(&train),
        labels(&train),
        data.x.select_rows(&test),
        labels(&test),
    )
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(REFERENCE).expect("valid test data"))
        .expect("valid test data")
}

/// The kehu parameters of each setting of the script.
fn params(setting: &str) -> TreeParams {
    match setting {
        "depth5_leaf20" => TreeParams::new().max_depth(Some(5)).min_samples_leaf(20),
        "depth8_balanced" => TreeParams::new()
            .max_depth(Some(8))
            .class_weight(ClassWeight::Balanced),
        "entropy_16_leaves" => TreeParams::new()
            .criterion(Criterion::Entropy)
            .max_depth(None)
            .max_leaf_nodes(Some(16))
            .min_samples_leaf(10),
        other => panic!("unknown setting {other}"),
    }
}

struct Fit {
    tree: DecisionTree,
    test_accuracy: f64,
    train_accuracy: f64,
    test_f1: f64,
    test_predicted: Vec<u32>,
}

fn fit(data: &Data, setting: &str) -> Fit {
    let (train_x, train_y, test_x, test_y) = split(data);
    let tree = params(setting)
        .fit(&train_x, &train_y, 2)
        .expect("valid test data");
    let test_predicted = tree.predict(&test_x);
    let test = ClassificationReport::new(&test_y, &test_predicted, 2).expect("valid test data");
    let train =
        ClassificationReport::new(&train_y, &tree.predict(&train_x), 2).expect("valid test data");
    Fit {
        test_accuracy: test.accuracy(),
        train_accuracy: train.accuracy(),
        test_f1: test.class(1).f1,
        test_predicted,
        tree,
    }
}

// The comparison is printed (`cargo test -- --nocapture`) for docs/BENCHMARKS.md.
#[allow(clippy::print_stderr)]
fn check_against_sklearn(spec: &Spec, dataset: &str) {
    let reference = reference();
    let expected = &reference["datasets"][dataset];
    let data = load(spec, 0.0);
    assert_eq!(
        data.y.len() as u64,
        expected["rows"].as_u64().expect("valid test data")
    );
    let names: Vec<&str> = expected["features"]
        .as_array()
        .expect("valid test data")
        .iter()
        .map(|v| v.as_str().expect("valid test data"))
        .collect();
    assert_eq!(data.names, names);
    for (setting, sk) in expected["fits"].as_object().expect("valid test data") {
        let ours = fit(&data, setting);
        let number = |key: &str| sk[key].as_f64().expect("valid test data");
        // Issue 6: test accuracy within 1 percentage point of scikit-learn's.
        assert!(
            (ours.test_accuracy - number("test_accuracy")).abs() <= 0.01,
            "{dataset} {setting}: test accuracy {} vs sklearn {}",
            ours.test_accuracy,
            number("test_accuracy")
        );
        let sk_predicted: Vec<u32> = sk["test_predictions"]
            .as_str()
            .expect("valid test data")
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .collect();
        let agree = ours
            .test_predicted
            .iter()
            .zip(&sk_predicted)
            .filter(|(a, b)| a == b)
            .count();
        eprintln!(
            "{dataset} {setting}: test acc {:.6} (sklearn {:.6}), train acc {:.6} (sklearn {:.6}), \
             f1 {:.6} (sklearn {:.6}), depth {} ({}), leaves {} ({}), predictions agree {}/{}",
            ours.test_accuracy,
            number("test_accuracy"),
            ours.train_accuracy,
            number("train_accuracy"),
            ours.test_f1,
            number("test_f1_class1"),
            ours.tree.depth(),
            sk["depth"],
            ours.tree.n_leaves(),
            sk["n_leaves"],
            agree,
            sk_predicted.len()
        );
        let root = ours.tree.nodes()[0].split.expect("valid test data");
        assert_eq!(
            root.feature as u64,
            sk["root_feature"].as_u64().expect("valid test data")
        );
        // scikit-learn compares in float32; its thresholds are midpoints of float32 values.
        let threshold = number("root_threshold");
        assert!((root.threshold - threshold).abs() <= 1e-6 * threshold.abs().max(1.0));
        assert_eq!(
            ours.tree.depth() as u64,
            sk["depth"].as_u64().expect("valid test data")
        );
        let sk_leaves = sk["n_leaves"].as_u64().expect("valid test data") as usize;
        if setting.contains("balanced") {
            // Class weights make the weighted counts inexact. scikit-learn then sees impurities
            // of ~1e-15 in some pure nodes and splits them into two leaves of the same class
            // (9 such splits on Telco, 4 on bank); kehu sums each node afresh, finds 0 and
            // stops. A few near-ties also round the other way: ≥ 99.9% of test predictions
            // agree.
            assert!(ours.tree.n_leaves() <= sk_leaves);
            assert!(agree as f64 >= 0.999 * sk_predicted.len() as f64);
        } else {
            // Unweighted: integer counts, the same formulas, the same tree.
            assert_eq!(ours.tree.n_leaves(), sk_leaves);
            assert_eq!(ours.test_predicted, sk_predicted);
            assert!((ours.train_accuracy - number("train_accuracy")).abs() < 1e-9);
            assert!((ours.test_f1 - number("test_f1_class1")).abs() < 1e-9);
            // The same splits, up to columns that split the rows identically (Partner=No and
            // Partner=Yes; InternetService=No and OnlineSecurity=No internet service), between
            // which scikit-learn picks at random and kehu picks the lowest index: compare each
            // split's impurity decrease, not the importance per column.
            let mut decreases: Vec<f64> = ours
                .tree
                .nodes()
                .iter()
                .filter_map(|n| n.split.map(|s| s.improvement))
                .collect();
            decreases.sort_by(f64::total_cmp);
            let theirs = sk["split_improvements"]
                .as_array()
                .expect("valid test data");
            assert_eq!(decreases.len(), theirs.len());
            for (ours, theirs) in decreases.iter().zip(theirs) {
                let theirs = theirs.as_f64().expect("valid test data");
                assert!((ours - theirs).abs() < 1e-12, "{ours} vs {theirs}");
            }
        }
    }
}

#[test]
fn telco_trees_match_sklearn() {
    check_against_sklearn(&TELCO, "telco");
}

#[test]
fn bank_trees_match_sklearn() {
    check_against_sklearn(&BANK, "bank");
}

/// Every row (train and test) matches exactly one rule, and that rule's class is the
/// prediction — here with TotalCharges' blanks kept missing, so the NaN rule is exercised.
#[test]
fn rules_reproduce_predict_on_both_datasets() {
    for (spec, blank) in [(&TELCO, f64::NAN), (&BANK, 0.0)] {
        let data = load(spec, blank);
        let (train_x, train_y, _, _) = split(&data);
        for setting in ["depth5_leaf20", "depth8_balanced", "entropy_16_leaves"] {
            let tree = params(setting)
                .fit(&train_x, &train_y, 2)
                .expect("valid test data");
            let rules = tree.rules();
            let predicted = tree.predict(&data.x);
            for (row, &class) in predicted.iter().enumerate() {
                let values = data.x.row(row);
                let mut matching = rules.iter().filter(|r| rule_matches(r, values));
                let rule = matching.next().expect("valid test data");
                assert!(matching.next().is_none(), "{} row {row}", spec.file);
                assert_eq!(rule.class, class);
            }
        }
    }
}

/// The same parameters give the identical tree on 1 and 4 threads.
#[test]
fn trees_do_not_depend_on_the_thread_count() {
    let data = load(&BANK, 0.0);
    let (train_x, train_y, _, _) = split(&data);
    for setting in ["depth8_balanced", "entropy_16_leaves"] {
        let fit = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool")
                .install(|| params(setting).fit(&train_x, &train_y, 2))
                .expect("valid test data")
        };
        assert_eq!(fit(1), fit(4), "{setting}");
    }
}

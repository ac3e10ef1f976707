//! Tests of the whole tree: parameters, agreement with a naive re-sorting CART, thread-count
//! independence, rules and weights.

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::splitter::{ClassWeights, Entry, NodeStats, best_split_on};
use super::*;
use crate::learn::Matrix;

/// A mixture like the customer tables: informative, noisy, integer and missing values, ties.
fn mixed_data(n: usize, d: usize, seed: u64) -> (Matrix, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f64> = (0..d)
            .map(|j| match j % 4 {
                0 => rng.random::<f64>(),
                1 => f64::from(rng.random_range(0..6u32)),
                2 if rng.random::<f64>() < 0.1 => f64::NAN,
                2 => rng.random::<f64>() * 100.0,
                _ => f64::from(rng.random_range(0..2u32)),
            })
            .collect();
        let at = |j: usize| row.get(j).copied().unwrap_or(0.0);
        let signal = at(0) + 0.1 * at(1) + if at(2).is_nan() { 0.4 } else { 0.0 };
        let label = if signal + 0.3 * rng.random::<f64>() > 0.9 {
            1
        } else if at(3) > 0.5 && rng.random::<f64>() < 0.3 {
            2
        } else {
            0
        };
        values.extend(row);
        y.push(label);
    }
    (
        Matrix::from_row_major(values, d).expect("valid test data"),
        y,
    )
}

/// CART the slow way: sort every feature again at every node, recurse left then right.
fn naive(x: &Matrix, y: &[u32], params: &TreeParams, n_classes: usize) -> Vec<(usize, f64, usize)> {
    let weights = vec![1.0; n_classes];
    let weigh = ClassWeights(&weights);
    let rows: Vec<usize> = (0..x.n_rows()).collect();
    let mut out = Vec::new();
    naive_node(x, y, params, n_classes, &weigh, rows, 0, &mut out);
    out
}

#[allow(clippy::too_many_arguments)]
fn naive_node(
    x: &Matrix,
    y: &[u32],
    params: &TreeParams,
    n_classes: usize,
    weigh: &ClassWeights<'_>,
    rows: Vec<usize>,
    depth: usize,
    out: &mut Vec<(usize, f64, usize)>,
) {
    let entries_of = |feature: usize| {
        let mut e: Vec<Entry> = rows
            .iter()
            .map(|&r| Entry {
                value: x.row(r)[feature],
                row: r as u32,
                label: y[r],
            })
            .collect();
        e.sort_by(|a, b| {
            let key = |v: f64| (v.is_nan(), if v.is_nan() { 0.0 } else { v });
            key(a.value)
                .partial_cmp(&key(b.value))
                .expect("valid test data")
                .then(a.row.cmp(&b.row))
        });
        e
    };
    let stats = NodeStats::of(&entries_of(0), weigh, n_classes, params.criterion);
    let at = out.len();
    out.push((usize::MAX, 0.0, rows.len()));
    let min_split = params.min_samples_split.max(2 * params.min_samples_leaf);
    if depth >= params.max_depth.unwrap_or(usize::MAX)
        || rows.len() < min_split
        || stats.impurity <= f64::EPSILON
    {
        return;
    }
    let mut best: Option<(usize, super::splitter::FeatureSplit)> = None;
    for f in 0..x.n_cols() {
        let split = best_split_on(
            &entries_of(f),
            &stats,
            params.criterion,
            params.min_samples_leaf,
            weigh,
        );
        if let Some(s) = split
            && best.is_none_or(|(_, b)| s.proxy > b.proxy)
        {
            best = Some((f, s));
        }
    }
    let Some((feature, split)) = best else { return };
    out[at] = (feature, split.threshold, rows.len());
    let (left, right): (Vec<usize>, Vec<usize>) = rows
        .iter()
        .partition(|&&r| x.row(r)[feature] <= split.threshold);
    naive_node(x, y, params, n_classes, weigh, left, depth + 1, out);
    naive_node(x, y, params, n_classes, weigh, right, depth + 1, out);
}

fn shape(tree: &DecisionTree) -> Vec<(usize, f64, usize)> {
    tree.nodes()
        .iter()
        .map(|n| match &n.split {
            Some(s) => (s.feature, s.threshold, n.n_samples),
            None => (usize::MAX, 0.0, n.n_samples),
        })
        .collect()
}

#[test]
fn sorting_once_gives_the_same_tree_as_sorting_at_every_node() {
    let (x, y) = mixed_data(3000, 7, 1);
    for params in [
        TreeParams::new(),
        TreeParams::new().max_depth(Some(8)).min_samples_leaf(7),
        TreeParams::new()
            .criterion(Criterion::Entropy)
            .max_depth(None)
            .min_samples_split(40),
    ] {
        let tree = params.fit(&x, &y, 3).expect("valid test data");
        assert_eq!(shape(&tree), naive(&x, &y, &params, 3), "{params:?}");
    }
}

#[test]
fn the_tree_does_not_depend_on_the_thread_count() {
    let (x, y) = mixed_data(60_000, 8, 2);
    let fit = |threads: usize, params: &TreeParams| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("valid test data");
        pool.install(|| params.fit(&x, &y, 3).expect("valid test data"))
    };
    for params in [
        TreeParams::new().max_depth(Some(12)),
        TreeParams::new()
            .max_depth(None)
            .max_leaf_nodes(Some(40))
            .class_weight(ClassWeight::Balanced),
    ] {
        let one = fit(1, &params);
        let four = fit(4, &params);
        assert_eq!(one, four);
        assert!(one.n_leaves() > 20);
    }
}

#[test]
fn unbounded_trees_deeper_than_the_recursion_limit_grow_on_a_stack() {
    // Alternating labels where each sample outweighs all before it: the best split always
    // peels off the heaviest sample, so the tree is a chain as deep as the data is long.
    // 120 copies of the column make each node big enough for the parallel, recursive path
    // until the recursion limit.
    let n = 300;
    let column: Vec<f64> = (0..n).map(f64::from).collect();
    let x = Matrix::from_columns(&vec![column; 120]).expect("valid test data");
    let y: Vec<u32> = (0..n).map(|i| i % 2).collect();
    let weights: Vec<f64> = (0..n).map(|i| 2f64.powi(i as i32)).collect();
    let tree = TreeParams::new()
        .max_depth(None)
        .fit_weighted(&x, &y, 2, &weights)
        .expect("valid test data");
    assert!(tree.depth() > 100, "depth {}", tree.depth());
    assert_eq!(tree.predict(&x), y);
}

#[test]
fn bad_parameters_and_data_are_errors() {
    let x = Matrix::from_columns(&[vec![1.0, 2.0, 3.0]]).expect("valid test data");
    let y = [0, 1, 0];
    let fit = |p: TreeParams| p.fit(&x, &y, 2);
    let invalid =
        |r: Result<DecisionTree, TreeError>| matches!(r, Err(TreeError::InvalidParameter { .. }));
    assert!(invalid(fit(TreeParams::new().max_depth(Some(0)))));
    assert!(invalid(fit(TreeParams::new().min_samples_split(1))));
    assert!(invalid(fit(TreeParams::new().min_samples_leaf(0))));
    assert!(invalid(fit(TreeParams::new().max_leaf_nodes(Some(1)))));
    assert!(invalid(fit(
        TreeParams::new().min_impurity_decrease(f64::NAN)
    )));
    assert!(matches!(
        fit(TreeParams::new().class_weight(ClassWeight::Custom(vec![1.0]))),
        Err(TreeError::ClassWeightCount { .. })
    ));
    assert!(matches!(
        fit(TreeParams::new().class_weight(ClassWeight::Custom(vec![1.0, -1.0]))),
        Err(TreeError::InvalidWeight { .. })
    ));
    let p = TreeParams::new();
    assert!(matches!(
        p.fit(&x, &[0, 1], 2),
        Err(TreeError::LengthMismatch { .. })
    ));
    assert!(matches!(
        p.fit(&x, &[0, 2, 0], 2),
        Err(TreeError::LabelOutOfRange { row: 1, .. })
    ));
    assert!(matches!(p.fit(&x, &y, 0), Err(TreeError::NoClasses)));
    let empty = Matrix::from_row_major(vec![], 1).expect("valid test data");
    assert!(matches!(p.fit(&empty, &[], 2), Err(TreeError::Empty)));
    assert!(matches!(
        p.fit_weighted(&x, &y, 2, &[0.0, 0.0, 0.0]),
        Err(TreeError::ZeroTotalWeight)
    ));
    assert!(matches!(
        p.fit_weighted(&x, &y, 2, &[1.0]),
        Err(TreeError::SampleWeightCount { .. })
    ));
}

#[test]
fn pure_or_constant_data_is_a_single_leaf() {
    let x = Matrix::from_columns(&[vec![1.0, 2.0, 3.0], vec![5.0; 3]]).expect("valid test data");
    let tree = TreeParams::new()
        .fit(&x, &[1, 1, 1], 2)
        .expect("valid test data");
    assert_eq!((tree.n_leaves(), tree.depth()), (1, 0));
    assert_eq!(tree.feature_importances(), &[0.0, 0.0]);
    let x = Matrix::from_columns(&[vec![5.0; 4]]).expect("valid test data");
    let tree = TreeParams::new()
        .fit(&x, &[0, 1, 1, 0], 2)
        .expect("valid test data");
    assert_eq!(tree.n_leaves(), 1);
    assert_eq!(tree.predict(&x), vec![0; 4]);
}

#[test]
fn limits_are_respected() {
    let (x, y) = mixed_data(5000, 6, 3);
    let tree = TreeParams::new()
        .max_depth(None)
        .max_leaf_nodes(Some(17))
        .fit(&x, &y, 3)
        .expect("valid test data");
    assert_eq!(tree.n_leaves(), 17);
    let tree = TreeParams::new()
        .max_depth(Some(6))
        .min_samples_leaf(50)
        .fit(&x, &y, 3)
        .expect("valid test data");
    assert!(tree.depth() <= 6);
    assert!(tree.nodes().iter().all(|n| n.n_samples >= 50));
    let split_improvements = |t: &DecisionTree| -> Vec<f64> {
        t.nodes()
            .iter()
            .filter_map(|n| n.split.map(|s| s.improvement))
            .collect()
    };
    let strict = TreeParams::new()
        .max_depth(None)
        .min_impurity_decrease(0.005)
        .fit(&x, &y, 3)
        .expect("valid test data");
    assert!(split_improvements(&strict).iter().all(|&i| i >= 0.005));
    let sum: f64 = strict.feature_importances().iter().sum();
    assert!((sum - 1.0).abs() < 1e-12);
}

#[test]
fn weights_scale_without_changing_the_tree() {
    let (x, y) = mixed_data(2000, 5, 4);
    let params = TreeParams::new().max_depth(Some(6));
    let plain = params.fit(&x, &y, 3).expect("valid test data");
    let doubled = params
        .fit_weighted(&x, &y, 3, &vec![2.0; y.len()])
        .expect("valid test data");
    assert_eq!(shape(&plain), shape(&doubled));
    assert_eq!(doubled.nodes()[0].weighted_n_samples, 4000.0);
    // Balanced is Custom with n / (k · count_c).
    let counts: Vec<f64> = (0..3)
        .map(|c| y.iter().filter(|&&l| l == c).count() as f64)
        .collect();
    let custom = counts.iter().map(|c| 2000.0 / (3.0 * c)).collect();
    let balanced = params
        .clone()
        .class_weight(ClassWeight::Balanced)
        .fit(&x, &y, 3)
        .expect("valid test data");
    let by_hand = params
        .class_weight(ClassWeight::Custom(custom))
        .fit(&x, &y, 3)
        .expect("valid test data");
    assert_eq!(balanced, by_hand);
    assert_ne!(shape(&balanced), shape(&plain));
}

#[test]
fn missing_values_go_right_and_rules_say_so() {
    // Missing ⇒ churn (1); present: small ⇒ 0, large ⇒ 1.
    let x = Matrix::from_columns(&[vec![1.0, 2.0, 8.0, 9.0, f64::NAN, f64::NAN]])
        .expect("valid test data");
    let y = [0, 0, 1, 1, 1, 1];
    let tree = TreeParams::new().fit(&x, &y, 2).expect("valid test data");
    assert_eq!(tree.predict(&x), y);
    let rules = tree.rules();
    let admits_missing: Vec<bool> = rules
        .iter()
        .map(|r| r.conditions.iter().all(Condition::admits_missing))
        .collect();
    assert_eq!(admits_missing, vec![false, true]);
    assert_eq!(rules[1].conditions[0].op, ConditionOp::GreaterOrMissing);
    // A split that separates the missing values renders as IS NULL / IS NOT NULL.
    let x =
        Matrix::from_columns(&[vec![1.0, 2.0, 3.0, f64::NAN, f64::NAN]]).expect("valid test data");
    let tree = TreeParams::new()
        .fit(&x, &[0, 0, 0, 1, 1], 2)
        .expect("valid test data");
    let ops: Vec<ConditionOp> = tree.rules().iter().map(|r| r.conditions[0].op).collect();
    assert_eq!(ops, vec![ConditionOp::NotMissing, ConditionOp::Missing]);
}

#[test]
fn cross_validation_scores_each_fold() {
    let (x, y) = mixed_data(1000, 4, 5);
    let folds = crate::learn::stratified_k_folds(&y, 5, 9).expect("valid test data");
    let cv = cross_validate(&TreeParams::new(), &x, &y, 3, &folds).expect("valid test data");
    assert_eq!(cv.fold_accuracies.len(), 5);
    assert!(cv.mean > 0.6 && cv.std < 0.1, "{cv:?}");
    assert!(matches!(
        cross_validate(&TreeParams::new(), &x, &y, 3, &[vec![]]),
        Err(TreeError::InvalidFold { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_row_matches_exactly_one_rule_with_the_predicted_class(
        seed in any::<u64>(),
        n in 5usize..400,
        d in 1usize..5,
        depth in 1usize..8,
        min_leaf in 1usize..5,
        leaves in prop::option::of(2usize..20),
    ) {
        let (x, y) = mixed_data(n, d, seed);
        let tree = TreeParams::new()
            .max_depth(Some(depth))
            .min_samples_leaf(min_leaf)
            .max_leaf_nodes(leaves)
            .fit(&x, &y, 3)
            .expect("valid test data");
        let rules = tree.rules();
        prop_assert_eq!(rules.len(), tree.n_leaves());
        let predicted = tree.predict(&x);
        let leaves_of = tree.apply(&x);
        // Fresh rows too, with values between and beyond the training values.
        let (fresh, _) = mixed_data(200, d, seed ^ 0x5eed);
        let fresh_predicted = tree.predict(&fresh);
        for (matrix, predicted) in [(&x, &predicted), (&fresh, &fresh_predicted)] {
            for (row, &class) in predicted.iter().enumerate() {
                let matching: Vec<&LeafRule> =
                    rules.iter().filter(|r| rule_matches(r, matrix.row(row))).collect();
                prop_assert_eq!(matching.len(), 1);
                prop_assert_eq!(matching[0].class, class);
            }
        }
        for (row, &leaf) in leaves_of.iter().enumerate() {
            let rule = rules.iter().find(|r| r.leaf == leaf).expect("valid test data");
            prop_assert!(rule_matches(rule, x.row(row)));
        }
        // At most one lower and one upper bound per feature.
        for rule in &rules {
            for f in 0..d {
                prop_assert!(rule.conditions.iter().filter(|c| c.feature == f).count() <= 2);
            }
        }
    }
}

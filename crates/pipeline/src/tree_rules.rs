//! The decision tree of a run: CART trained on a label (a scheme or a column), scored on a
//! held-out share, and exported as readable IF … THEN rules in both languages, as SQL, and as a
//! `[[custom]]` scheme for kehu.toml. The SQL is evaluated by the rule engine on every customer
//! and must give the tree's own predictions (scheme `tree`); the run records any difference.

use crate::comparison::find;
use crate::config::{CustomRule, CustomScheme, LabelName, TreeConfig};
use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::schemes::{SchemeOutcome, SchemeRow, info};
use kehu_domain::{Label, Labelling, Note};
use kehu_features::{FeatureEngine, RuleSpec, evaluate_rules};
use kehu_models::learn::{
    ClassWeight, ClassificationReport, Condition, ConditionOp, LeafRule, Matrix, TreeParams,
    cross_validate, stratified_k_folds, train_test_split,
};
use serde::Serialize;

pub(crate) const TREE: SchemeRow = ("tree", "Tree rules", "决策树规则");

/// Features the tree uses when `[tree] features` is empty (those present with values).
const DEFAULT_FEATURES: &[&str] = &[
    "recency_days",
    "orders",
    "revenue",
    "aov",
    "tenure_days",
    "interval_mean_days",
    "return_rate",
    "revenue_trend",
    "discount_share",
    "categories",
];

/// What the tree learned and how well it does.
#[derive(Debug, Clone, Serialize)]
pub struct TreeReport {
    pub target: String,
    pub features: Vec<String>,
    /// Class codes with their names (en, zh).
    pub classes: Vec<(String, String, String)>,
    pub max_depth: usize,
    pub min_samples_leaf: usize,
    pub class_weight: String,
    pub train_rows: usize,
    pub test_rows: usize,
    pub depth: usize,
    pub leaves: usize,
    pub train_accuracy: f64,
    pub test: TestScores,
    pub cross_validation: Option<CrossValidationScores>,
    /// (feature, share of the total impurity decrease), largest first.
    pub importances: Vec<(String, f64)>,
    /// One rule per leaf.
    pub rules: Vec<RuleText>,
    /// Customers for whom the SQL rules, run by the rule engine, give another class than the
    /// tree (0 when the export is exact).
    pub rule_mismatches: usize,
    /// The rules as a `[[custom]]` scheme of kehu.toml.
    pub scheme: CustomScheme,
}

/// Scores on the held-out customers.
#[derive(Debug, Clone, Serialize)]
pub struct TestScores {
    pub accuracy: f64,
    /// Per class: (precision, recall, F1, support).
    pub per_class: Vec<(f64, f64, f64, u64)>,
    pub macro_f1: f64,
    pub weighted_f1: f64,
    /// Rows: actual class; columns: predicted class.
    pub confusion: Vec<Vec<u64>>,
}

/// k-fold cross-validated accuracy.
#[derive(Debug, Clone, Serialize)]
pub struct CrossValidationScores {
    pub folds: Vec<f64>,
    pub mean: f64,
    pub std: f64,
}

/// One leaf as a rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleText {
    pub class: String,
    /// "IF recency_days > 120 AND orders <= 2 THEN C3 lapsed, infrequent".
    pub en: String,
    pub zh: String,
    /// The conditions as a SQL boolean expression.
    pub sql: String,
    /// Training customers in the leaf and the share of them in its class.
    pub customers: usize,
    pub confidence: f64,
}

/// Trains the tree and adds scheme `tree`; `None` with a note when the target is missing.
pub(crate) fn tree_scheme(
    engine: &FeatureEngine,
    frame: &FeatureFrame,
    c: &TreeConfig,
    outcomes: &[SchemeOutcome],
    churn: &TreeInputs<'_>,
) -> Result<(SchemeOutcome, Option<TreeReport>), PipelineError> {
    // `churn` trains on the customers as they were before the holdout, and what they did in
    // it; every other target on the customers as they are now.
    let calibration;
    let (training, target) = if c.target == CHURN {
        match churn_target(engine, frame, churn) {
            Ok((at, target)) => {
                calibration = at;
                (&calibration, Ok(target))
            }
            Err(reason) => (frame, Err(reason)),
        }
    } else if let Some(path) = churn.labels_file {
        (frame, file_target(frame, path, &c.target)?)
    } else {
        (frame, target_of(frame, &c.target, outcomes))
    };
    let target = match target {
        Ok(target) => target,
        Err(reason) => {
            return Ok((
                SchemeOutcome::Skipped {
                    scheme: info(TREE),
                    reason,
                },
                None,
            ));
        }
    };
    // A text column named as a feature is a mistake to say, not to skip in silence.
    if let Some(text) = c
        .features
        .iter()
        .find(|f| frame.has(f) && frame.numeric(f).is_none())
    {
        return Err(PipelineError::Input(format!(
            "[tree] features: `{text}` is text; the tree splits on numbers. Add a custom feature \
             that makes one, e.g. [features] {text}_is_x = \"CASE WHEN {text} = 'x' THEN 1 ELSE 0 \
             END\" (one per value that matters), and name that"
        )));
    }
    let features: Vec<String> = features_of(frame, c)
        .into_iter()
        .filter(|f| training.numeric(f).is_some())
        .collect();
    if features.is_empty() {
        let reason = Note::new(
            "[tree] none of the features has values",
            "[tree] 所选特征均无数值",
        );
        return Ok((
            SchemeOutcome::Skipped {
                scheme: info(TREE),
                reason,
            },
            None,
        ));
    }
    let matrix_of = |f: &FeatureFrame| {
        let columns: Vec<Vec<f64>> = features
            .iter()
            .map(|name| f.numeric(name).unwrap_or_default())
            .collect();
        Matrix::from_columns(&columns).map_err(|e| PipelineError::Input(format!("[tree]: {e}")))
    };
    let all = matrix_of(frame)?;
    let training_matrix = matrix_of(training)?;
    let rows: Vec<usize> = (0..training.len())
        .filter(|&i| target.assigned[i].is_some())
        .collect();
    let y: Vec<u32> = rows.iter().filter_map(|&i| target.assigned[i]).collect();
    let n_classes = target.classes.len();
    let needed = (2 * c.min_samples_leaf).max(20);
    if rows.len() < needed {
        let reason = Note::new(
            format!(
                "[tree] only {} customers have a `{}` label; a tree with leaves of at least {} needs {needed}",
                rows.len(),
                c.target,
                c.min_samples_leaf
            ),
            format!(
                "[tree] 只有 {} 位客户有 `{}` 标签；每个叶子至少 {} 位客户的决策树需要 {needed} 位",
                rows.len(),
                c.target,
                c.min_samples_leaf
            ),
        );
        return Ok((
            SchemeOutcome::Skipped {
                scheme: info(TREE),
                reason,
            },
            None,
        ));
    }
    let x = training_matrix.select_rows(&rows);
    let bad = |e: &dyn std::fmt::Display| PipelineError::Input(format!("kehu.toml [tree]: {e}"));
    let (train, test) = if c.test_share > 0.0 {
        train_test_split(x.n_rows(), c.test_share, c.seed, Some(&y)).map_err(|e| bad(&e))?
    } else {
        ((0..x.n_rows()).collect(), Vec::new())
    };
    let params = TreeParams::new()
        .max_depth(Some(c.max_depth))
        .min_samples_leaf(c.min_samples_leaf)
        .class_weight(if c.class_weight == "balanced" {
            ClassWeight::Balanced
        } else {
            ClassWeight::None
        });
    let pick = |ids: &[usize]| -> (Matrix, Vec<u32>) {
        (x.select_rows(ids), ids.iter().map(|&i| y[i]).collect())
    };
    let (x_train, y_train) = pick(&train);
    let tree = params
        .fit(&x_train, &y_train, n_classes)
        .map_err(|e| bad(&e))?;
    let train_accuracy = accuracy(&tree.predict(&x_train), &y_train);
    let (x_test, y_test) = pick(&test);
    let test_scores = if test.is_empty() {
        scores(
            &ClassificationReport::new(&y_train, &tree.predict(&x_train), n_classes)
                .map_err(|e| bad(&e))?,
        )
    } else {
        scores(
            &ClassificationReport::new(&y_test, &tree.predict(&x_test), n_classes)
                .map_err(|e| bad(&e))?,
        )
    };
    let cross_validation = if c.cv_folds >= 2 {
        let folds = stratified_k_folds(&y, c.cv_folds, c.seed).map_err(|e| bad(&e))?;
        let cv = cross_validate(&params, &x, &y, n_classes, &folds).map_err(|e| bad(&e))?;
        Some(CrossValidationScores {
            folds: cv.fold_accuracies,
            mean: cv.mean,
            std: cv.std,
        })
    } else {
        None
    };
    let mut importances: Vec<(String, f64)> = features
        .iter()
        .cloned()
        .zip(tree.feature_importances().iter().copied())
        .collect();
    importances.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let leaf_rules = tree.rules();
    let rules: Vec<RuleText> = leaf_rules
        .iter()
        .map(|r| rule_text(r, &features, &target.classes))
        .collect();

    // The export is checked, not trusted: the rule engine evaluates one OR-ed rule per class
    // on every customer, and the result must equal the tree's prediction.
    let predicted = tree.predict(&all);
    let scheme = custom_scheme(&target.classes, &leaf_rules, &features, &c.target);
    engine.register(
        "features",
        frame.batch().schema(),
        vec![frame.batch().clone()],
    )?;
    let specs: Vec<RuleSpec> = scheme
        .rules
        .iter()
        .map(|r| RuleSpec::new(&r.code, &r.when))
        .collect();
    let matches = evaluate_rules(engine, "features", &specs).map_err(|e| {
        PipelineError::Compute(format!("the exported tree rules do not evaluate: {e}"))
    })?;
    let class_of_rule: Vec<u32> = scheme
        .rules
        .iter()
        .map(|r| {
            target
                .classes
                .iter()
                .position(|c| c.0 == r.code)
                .unwrap_or(0) as u32
        })
        .collect();
    let rule_mismatches = matches
        .first_match
        .iter()
        .zip(&predicted)
        .filter(|(m, p)| m.map(|i| class_of_rule[i]) != Some(**p))
        .count();
    let report = TreeReport {
        target: c.target.clone(),
        features: features.clone(),
        classes: target.classes.clone(),
        max_depth: c.max_depth,
        min_samples_leaf: c.min_samples_leaf,
        class_weight: c.class_weight.clone(),
        train_rows: train.len(),
        test_rows: test.len(),
        depth: tree.depth(),
        leaves: tree.n_leaves(),
        train_accuracy,
        test: test_scores,
        cross_validation,
        importances,
        rules,
        rule_mismatches,
        scheme,
    };
    let labels: Vec<Label> = target
        .classes
        .iter()
        .map(|(code, en, zh)| Label::new(code, en, zh))
        .collect();
    let notes = vec![Note::new(
        format!(
            "A decision tree of depth {} with {} rules reproduces `{}` on {} held-out customers with {:.1}% accuracy; every customer gets the class its rule gives (tree_rules.toml).",
            report.depth,
            report.leaves,
            c.target,
            report.test_rows,
            report.test.accuracy * 100.0
        ),
        format!(
            "深度 {}、共 {} 条规则的决策树在 {} 位留出客户上复现 `{}` 的准确率为 {:.1}%；每位客户按其规则得到类别（见 tree_rules.toml）。",
            report.depth,
            report.leaves,
            report.test_rows,
            c.target,
            report.test.accuracy * 100.0
        ),
    )];
    let outcome = SchemeOutcome::Done(Labelling {
        scheme: info(TREE),
        labels,
        assigned: predicted,
        notes,
    });
    Ok((outcome, Some(report)))
}

/// `[tree] target` for "bought nothing in the holdout window".
pub(crate) const CHURN: &str = "churn";

/// Where a target outside the run's schemes comes from: `churn` from the feature table as of
/// `as_of − holdout_days`; a labels file (`[tree] labels_file`, resolved) by customer id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TreeInputs<'a> {
    pub options: &'a kehu_features::FeatureOptions,
    pub holdout_days: u32,
    pub labels_file: Option<&'a std::path::Path>,
}

/// The customers with an order before the holdout, as they were then, and whether they
/// ordered again in it (`stayed`) or not (`churned`).
fn churn_target(
    engine: &FeatureEngine,
    frame: &FeatureFrame,
    window: &TreeInputs<'_>,
) -> Result<(FeatureFrame, Target), Note> {
    let as_of = window.options.as_of;
    let Some(calibration_end) =
        as_of.checked_sub_days(chrono::Days::new(u64::from(window.holdout_days)))
    else {
        return Err(Note::new(
            "[tree] churn: the holdout reaches before the year 0",
            "[tree] churn：留出期过长",
        ));
    };
    let calibration =
        crate::backtest::frame_at(engine, window.options, calibration_end).map_err(|e| {
            Note::new(
                format!("[tree] churn: no customers before {calibration_end} ({e})"),
                format!("[tree] churn：{calibration_end} 之前没有客户（{e}）"),
            )
        })?;
    let now: std::collections::HashMap<String, f64> = frame
        .text("customer_id")
        .unwrap_or_default()
        .into_iter()
        .zip(frame.numeric("orders").unwrap_or_default())
        .filter_map(|(id, orders)| id.map(|id| (id, orders)))
        .collect();
    let before = calibration.numeric("orders").unwrap_or_default();
    let assigned = calibration
        .text("customer_id")
        .unwrap_or_default()
        .into_iter()
        .zip(before)
        .map(|(id, orders_then)| {
            let orders_now = id.and_then(|id| now.get(&id).copied())?;
            (orders_then >= 1.0).then_some(u32::from(orders_now <= orders_then))
        })
        .collect();
    let days = window.holdout_days;
    Ok((
        calibration,
        Target {
            assigned,
            classes: vec![
                (
                    "stayed".into(),
                    format!("Ordered again within {days} days"),
                    format!("{days} 天内再次下单"),
                ),
                (
                    "churned".into(),
                    format!("No order within {days} days"),
                    format!("{days} 天内未下单"),
                ),
            ],
        },
    ))
}

/// The target from a labels file: each customer's label by id; customers absent from the
/// file are not trained on (and still get the rules' class).
fn file_target(
    frame: &FeatureFrame,
    path: &std::path::Path,
    column: &str,
) -> Result<Result<Target, Note>, PipelineError> {
    let file = crate::label_file::read_label_file(path, column)?;
    let ids = frame.text("customer_id").unwrap_or_default();
    let values: Vec<Option<String>> = ids
        .iter()
        .map(|id| id.as_ref().and_then(|id| file.by_id.get(id)).cloned())
        .collect();
    let matched = values.iter().filter(|v| v.is_some()).count();
    if matched == 0 {
        return Ok(Err(Note::new(
            format!(
                "[tree] none of the {} customer ids in {} (column {}) is a customer of this run",
                file.by_id.len(),
                path.display(),
                file.id_column
            ),
            format!(
                "[tree] {}（列 {}）中的 {} 个客户编号都不是本次数据中的客户",
                path.display(),
                file.id_column,
                file.by_id.len()
            ),
        )));
    }
    Ok(classes_of(values, column))
}

/// The class of each customer (`None` = not part of training) and the class names.
struct Target {
    assigned: Vec<Option<u32>>,
    classes: Vec<(String, String, String)>,
}

fn target_of(
    frame: &FeatureFrame,
    target: &str,
    outcomes: &[SchemeOutcome],
) -> Result<Target, Note> {
    if let Some(labelling) = find(outcomes, target) {
        let none = labelling.labels.iter().position(|l| l.code == "none");
        return Ok(Target {
            assigned: labelling
                .assigned
                .iter()
                .map(|&a| (Some(a as usize) != none).then_some(a))
                .collect(),
            classes: labelling
                .labels
                .iter()
                .map(|l| (l.code.clone(), l.en.clone(), l.zh.clone()))
                .collect(),
        });
    }
    if outcomes
        .iter()
        .any(|o| matches!(o, SchemeOutcome::Skipped { scheme, .. } if scheme.id == target))
    {
        return Err(Note::new(
            format!("[tree] target `{target}` did not run in this run (its own line says why)"),
            format!("[tree] 目标方案 `{target}` 本次未运行（原因见该方案）"),
        ));
    }
    let values: Option<Vec<Option<String>>> = frame.text(target).or_else(|| {
        frame.numeric(target).map(|v| {
            v.iter()
                .map(|x| (!x.is_nan()).then(|| crate::schemes::num(*x)))
                .collect()
        })
    });
    let Some(values) = values.filter(|v| v.iter().any(Option::is_some)) else {
        return Err(Note::new(
            format!(
                "[tree] target `{target}` is neither a scheme of this run nor a column with values"
            ),
            format!("[tree] 目标 `{target}` 既不是本次运行的方案，也不是有数值的列"),
        ));
    };
    classes_of(values, target)
}

/// Classes from text values: the distinct values, sorted (at most 50).
fn classes_of(values: Vec<Option<String>>, target: &str) -> Result<Target, Note> {
    let mut distinct: Vec<String> = values.iter().flatten().cloned().collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() > 50 {
        return Err(Note::new(
            format!(
                "[tree] target `{target}` has {} distinct values; a tree learns a label with at most 50",
                distinct.len()
            ),
            format!(
                "[tree] 目标 `{target}` 有 {} 个不同取值；决策树的目标最多 50 类",
                distinct.len()
            ),
        ));
    }
    Ok(Target {
        assigned: values
            .iter()
            .map(|v| {
                v.as_ref()
                    .and_then(|v| distinct.binary_search(v).ok())
                    .map(|i| i as u32)
            })
            .collect(),
        classes: class_codes(&distinct)
            .into_iter()
            .zip(&distinct)
            .map(|(code, v)| (code, v.clone(), v.clone()))
            .collect(),
    })
}

/// Label codes for values found in the data: the value in snake_case when it is one
/// (`Yes` → `yes`), else `class_<n>`, so the exported `[[custom]]` scheme is a valid config;
/// the values themselves stay the display names.
fn class_codes(values: &[String]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let slug: String = value
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let code = if crate::config::is_identifier(&slug) && !codes.contains(&slug) {
            slug
        } else {
            format!("class_{}", i + 1)
        };
        codes.push(code);
    }
    codes
}

fn features_of(frame: &FeatureFrame, c: &TreeConfig) -> Vec<String> {
    let wanted: Vec<String> = if c.features.is_empty() {
        DEFAULT_FEATURES.iter().map(|f| f.to_string()).collect()
    } else {
        c.features.clone()
    };
    wanted
        .into_iter()
        .filter(|f| frame.numeric(f).is_some() && frame.has_values(f))
        .collect()
}

fn accuracy(predicted: &[u32], actual: &[u32]) -> f64 {
    let right = predicted.iter().zip(actual).filter(|(p, a)| p == a).count();
    right as f64 / actual.len().max(1) as f64
}

/// Mean F1 over the classes present among the actual or the predicted labels (scikit-learn's
/// default `labels`): a class nobody has, like `none`, does not pull the average down.
fn present_macro_f1(report: &ClassificationReport) -> f64 {
    let confusion = report.confusion_matrix();
    let present: Vec<f64> = report
        .classes()
        .iter()
        .enumerate()
        .filter(|(c, s)| s.support > 0 || confusion.iter().any(|row| row[*c] > 0))
        .map(|(_, s)| s.f1)
        .collect();
    present.iter().sum::<f64>() / present.len().max(1) as f64
}

fn scores(report: &ClassificationReport) -> TestScores {
    TestScores {
        accuracy: report.accuracy(),
        per_class: report
            .classes()
            .iter()
            .map(|s| (s.precision, s.recall, s.f1, s.support))
            .collect(),
        macro_f1: present_macro_f1(report),
        weighted_f1: report.weighted_average().f1,
        confusion: report.confusion_matrix(),
    }
}

/// A threshold as SQL and people read it: the shortest text that parses back to the same
/// number, so the rule engine compares against exactly the tree's threshold.
fn threshold_text(value: f64) -> String {
    format!("{value:?}")
}

/// One condition as SQL.
fn condition_sql(c: &Condition, features: &[String]) -> String {
    let name = &features[c.feature];
    let t = threshold_text(c.threshold);
    match c.op {
        ConditionOp::LessOrEqual => format!("{name} <= {t}"),
        ConditionOp::Greater => format!("{name} > {t}"),
        ConditionOp::GreaterOrMissing => format!("({name} > {t} OR {name} IS NULL)"),
        ConditionOp::Missing => format!("{name} IS NULL"),
        ConditionOp::NotMissing => format!("{name} IS NOT NULL"),
    }
}

/// A leaf's conditions as one SQL conjunction (`TRUE` for a tree that is a single leaf).
fn leaf_sql(rule: &LeafRule, features: &[String]) -> String {
    if rule.conditions.is_empty() {
        return "TRUE".into();
    }
    rule.conditions
        .iter()
        .map(|c| condition_sql(c, features))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// A threshold for people: at most two decimals (the SQL keeps the exact value).
fn readable(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One condition for people, in English or Chinese.
fn condition_words(c: &Condition, features: &[String], zh: bool) -> String {
    let name = &features[c.feature];
    let t = readable(c.threshold);
    match (c.op, zh) {
        (ConditionOp::LessOrEqual, _) => format!("{name} <= {t}"),
        (ConditionOp::Greater, _) => format!("{name} > {t}"),
        (ConditionOp::GreaterOrMissing, false) => format!("{name} > {t} (or missing)"),
        (ConditionOp::GreaterOrMissing, true) => format!("{name} > {t}（或缺失）"),
        (ConditionOp::Missing, false) => format!("{name} is missing"),
        (ConditionOp::Missing, true) => format!("{name} 缺失"),
        (ConditionOp::NotMissing, false) => format!("{name} is present"),
        (ConditionOp::NotMissing, true) => format!("{name} 不缺失"),
    }
}

fn rule_text(
    rule: &LeafRule,
    features: &[String],
    classes: &[(String, String, String)],
) -> RuleText {
    let (code, en_name, zh_name) = &classes[rule.class as usize];
    let sql = leaf_sql(rule, features);
    let words = |zh: bool, and: &str, everyone: &str| {
        let parts: Vec<String> = rule
            .conditions
            .iter()
            .map(|c| condition_words(c, features, zh))
            .collect();
        if parts.is_empty() {
            everyone.to_string()
        } else {
            parts.join(and)
        }
    };
    let en_conditions = words(false, " AND ", "TRUE");
    let zh_conditions = words(true, " 且 ", "所有客户");
    RuleText {
        class: code.clone(),
        en: format!(
            "IF {en_conditions} THEN {en_name} ({} customers, {:.0}% of them)",
            rule.n_samples,
            rule.confidence * 100.0
        ),
        zh: format!(
            "如果 {zh_conditions} 则 {zh_name}（{} 位客户，其中 {:.0}% 属于此类）",
            rule.n_samples,
            rule.confidence * 100.0
        ),
        sql,
        customers: rule.n_samples,
        confidence: rule.confidence,
    }
}

/// The tree as a `[[custom]]` scheme: one rule per class that any leaf predicts, the leaves
/// OR-ed (they never overlap, so the order of the rules does not matter).
pub(crate) fn custom_scheme(
    classes: &[(String, String, String)],
    rules: &[LeafRule],
    features: &[String],
    target: &str,
) -> CustomScheme {
    let mut out = Vec::new();
    for (class, (code, en, zh)) in classes.iter().enumerate() {
        let leaves: Vec<String> = rules
            .iter()
            .filter(|r| r.class as usize == class)
            .map(|r| format!("({})", leaf_sql(r, features)))
            .collect();
        if leaves.is_empty() {
            continue;
        }
        out.push(CustomRule {
            code: code.clone(),
            en: en.clone(),
            zh: zh.clone(),
            when: leaves.join(" OR "),
        });
    }
    CustomScheme {
        id: scheme_id(target),
        en: format!("Rules for {target}"),
        zh: format!("{target} 的规则"),
        other: LabelName::default(),
        rules: out,
    }
}

/// `<target>_rules` in snake_case (`Response` → `response_rules`, `满意` → `tree_rules`).
fn scheme_id(target: &str) -> String {
    let slug: String = target
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let id = format!("{slug}_rules");
    if crate::config::is_identifier(&id) {
        id
    } else {
        "tree_rules".into()
    }
}

/// `tree_rules.toml`: the scheme, ready to paste into kehu.toml, with each leaf as a comment.
pub fn rules_toml(report: &TreeReport) -> String {
    let scheme = &report.scheme;
    #[derive(Serialize)]
    struct File<'a> {
        custom: [&'a CustomScheme; 1],
    }
    let mut out = format!(
        "# Decision-tree rules for `{}`, written by kehu (test accuracy {:.1}% on {} customers).\n\
         # Paste into kehu.toml: the scheme `{}` then labels every customer as the tree does.\n",
        report.target,
        report.test.accuracy * 100.0,
        report.test_rows,
        scheme.id
    );
    for rule in &report.rules {
        out.push_str(&format!("# {}\n", rule.en));
    }
    out.push('\n');
    out.push_str(&toml::to_string(&File { custom: [scheme] }).unwrap_or_default());
    out
}

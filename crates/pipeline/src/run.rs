//! `kehu run`: ingest → features → scores → schemes → outputs in a run directory.

use crate::backtest::{
    ModelScore, Tracking, backtest_data, best_model, holdout_tracking, score_model,
};
use crate::check::{CheckRun, check_files};
use crate::clustering::{ClusterReport, cluster_schemes};
use crate::comparison::{Comparison, compare_pairs};
use crate::config::{Config, SourceConfig};
use crate::error::PipelineError;
use crate::feature_frame::FeatureFrame;
use crate::labels::{append_labels, rule_schemes};
use crate::playbook::{PlaybookReport, Recommendations, recommend};
use crate::predictions::{PredictionOutcome, PurchaseModel, predict};
use crate::run_outputs::write_run;
use crate::schemes::{SchemeOutcome, done_labellings, rfm_score_columns, run_rule_schemes};
use crate::segments::{SegmentRow, segment_rows};
use crate::tree_rules::{TreeInputs, TreeReport, tree_scheme};
use arrow::array::{RecordBatch, new_null_array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use chrono::NaiveDate;
use kehu_domain::{Labelling, Lang};
use kehu_features::{
    FeatureEngine, FeatureOptions, TimeUnit, add_custom_features, default_as_of, feature_table,
};
use kehu_ingest::{DuplicatePolicy, Import, ImportOptions, TableKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Everything a run needs besides the config.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The configuration (sources may be empty when `files` is given).
    pub config: Config,
    /// Directory the config's relative paths start from.
    pub config_dir: PathBuf,
    /// Files named on the command line; they replace the config's sources.
    pub files: Vec<PathBuf>,
    /// Import options from the command line, the base for every source.
    pub import: ImportOptions,
    /// `--as-of`, overriding the config.
    pub as_of: Option<NaiveDate>,
    /// `--out`, overriding the config.
    pub out_dir: Option<PathBuf>,
    /// Extra output formats, overriding the config when not empty.
    pub formats: Vec<String>,
    /// Language of names in outputs.
    pub lang: Lang,
}

/// The steps a run reports progress on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStep {
    /// Reading a file.
    Read,
    /// Computing the feature table.
    Features,
    /// Fitting the customer-base models and predicting.
    Predict,
    /// Labelling customers.
    Schemes,
    /// Clustering, decision-tree rules and method comparison.
    Learn,
    /// Writing the outputs.
    Write,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunResult {
    /// The data check of every input.
    pub check: CheckRun,
    /// The date the run judged as of.
    pub as_of: NaiveDate,
    /// The run directory.
    pub out_dir: PathBuf,
    /// Customers labelled.
    pub customers: usize,
    /// Every scheme, done or skipped, in order.
    pub outcomes: Vec<SchemeOutcome>,
    /// The predictions, unless `[predict] enabled = false`.
    pub prediction: Option<PredictionOutcome>,
    /// The holdout tracking of the model `model = "auto"` chose.
    pub tracking: Option<Tracking>,
    /// The clustering, unless `[cluster] enabled = false` or it could not run.
    pub clustering: Option<ClusterReport>,
    /// The decision tree, unless `[tree] enabled = false` or its target is missing.
    pub tree: Option<TreeReport>,
    /// The playbook's actions and audiences, unless `[playbook] enabled = false`.
    pub playbook: Option<PlaybookReport>,
    /// Each customer's actions (for the contact lists).
    pub(crate) recommendations: Option<Recommendations>,
    /// The cross-tabulations of `[compare]`, and a note per pair that could not be compared.
    pub comparisons: Vec<Comparison>,
    pub comparison_notes: Vec<kehu_domain::Note>,
    /// The segment table.
    pub segments: Vec<SegmentRow>,
    /// Net revenue of all customers, exact.
    pub revenue: kehu_domain::Money,
    /// Seconds per step.
    pub timings: Vec<(String, f64)>,
    /// Files written.
    pub outputs: Vec<PathBuf>,
}

impl RunResult {
    /// The labellings of the schemes that ran.
    pub fn labellings(&self) -> Vec<&Labelling> {
        done_labellings(&self.outcomes)
    }
}

/// The import options of one source: the command line's, with the source's settings on top.
fn source_options(base: &ImportOptions, s: &SourceConfig) -> Result<ImportOptions, PipelineError> {
    let mut o = base.clone();
    let bad = |key: &str, message: String| {
        PipelineError::Input(format!("source `{}`: {key}: {message}", s.path))
    };
    if let Some(kind) = &s.kind {
        o.kind = Some(match kind.as_str() {
            "customers" => TableKind::Customers,
            "feedback" => TableKind::Feedback,
            _ => TableKind::Transactions,
        });
    }
    if let Some(e) = &s.encoding {
        o.encoding = Some(e.clone());
    }
    if let Some(d) = &s.delimiter {
        o.delimiter = Some(match d.as_str() {
            "tab" | "\t" => b'\t',
            d if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
            d => {
                return Err(bad(
                    "delimiter",
                    format!("`{d}`: give one ASCII character or \"tab\""),
                ));
            }
        });
    }
    if let Some(sheet) = &s.sheet {
        o.sheet = Some(sheet.clone());
    }
    if let Some(f) = &s.date_format {
        o.date_format = Some(f.clone());
    }
    if let Some(tz) = &s.timezone {
        o.timezone = Some(tz.parse().map_err(|e: String| bad("timezone", e))?);
    }
    if let Some(d) = &s.duplicates {
        o.duplicates = match d.as_str() {
            "keep" => DuplicatePolicy::Keep,
            "quarantine" => DuplicatePolicy::Quarantine,
            _ => DuplicatePolicy::Auto,
        };
    }
    for (field, column) in &s.map {
        o.mapping.insert(field.clone(), column.clone());
    }
    Ok(o)
}

/// The inputs with their options: the command line's files, else the config's sources.
fn inputs(req: &RunRequest) -> Result<Vec<(PathBuf, ImportOptions)>, PipelineError> {
    if !req.files.is_empty() {
        return Ok(req
            .files
            .iter()
            .map(|f| (f.clone(), req.import.clone()))
            .collect());
    }
    if req.config.sources.is_empty() {
        return Err(PipelineError::Input(
            "no input: name a file (kehu run orders.csv) or list [[sources]] in kehu.toml (kehu init orders.csv writes one)".into(),
        ));
    }
    req.config
        .sources
        .iter()
        .map(|s| {
            Ok((
                req.config_dir.join(&s.path),
                source_options(&req.import, s)?,
            ))
        })
        .collect()
}

fn tables_of(
    imports: &[Import],
    kind: TableKind,
) -> Result<Option<(SchemaRef, Vec<RecordBatch>)>, PipelineError> {
    let of_kind: Vec<&Import> = imports.iter().filter(|i| i.report.kind == kind).collect();
    let Some(first) = of_kind.first() else {
        return Ok(None);
    };
    // Files of one kind share the canonical columns; a customers file may add attributes
    // of its own. The table has every file's, in order of first appearance, null where a
    // file has none.
    // An attribute that is numbers in one file and text in another is text.
    let mut fields: Vec<FieldRef> = first.schema.fields().iter().cloned().collect();
    for import in &of_kind[1..] {
        for field in import.schema.fields() {
            match fields.iter().position(|f| f.name() == field.name()) {
                None => fields.push(field.clone()),
                Some(k) if fields[k].data_type() != field.data_type() => {
                    fields[k] = Arc::new(Field::new(field.name(), DataType::Utf8, true));
                }
                Some(_) => {}
            }
        }
    }
    let schema = Arc::new(Schema::new(fields));
    let mut batches = Vec::new();
    for batch in of_kind.iter().flat_map(|i| &i.batches) {
        let columns = schema
            .fields()
            .iter()
            .map(|f| match batch.column_by_name(f.name()) {
                Some(c) if c.data_type() == f.data_type() => Ok(c.clone()),
                Some(c) => cast(c, f.data_type()),
                None => Ok(new_null_array(f.data_type(), batch.num_rows())),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PipelineError::Input(format!("the {} files: {e}", kind.name())))?;
        batches.push(
            RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| PipelineError::Input(format!("the {} files: {e}", kind.name())))?,
        );
    }
    Ok(Some((schema, batches)))
}

/// What reading and the feature step produce, shared by `kehu run` and `kehu backtest`.
pub(crate) struct Prepared {
    pub check: CheckRun,
    pub engine: FeatureEngine,
    pub options: FeatureOptions,
    pub frame: FeatureFrame,
    pub timings: Vec<(String, f64)>,
    pub clock: Instant,
}

/// Reads every input and computes the feature table (with scores and custom features).
pub(crate) fn prepare(
    req: &RunRequest,
    on_step: &mut impl FnMut(RunStep, &str),
) -> Result<Prepared, PipelineError> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, timings: &mut Vec<(String, f64)>| {
        timings.push((name.to_string(), clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };

    let mut check = CheckRun {
        report: kehu_report::CheckReport {
            kehu_version: env!("CARGO_PKG_VERSION").to_string(),
            files: Vec::new(),
            refused: Vec::new(),
            across_files: None,
        },
        imports: Vec::new(),
    };
    for (path, options) in inputs(req)? {
        if !path.exists() {
            return Err(PipelineError::Input(format!(
                "{}: no such file",
                path.display()
            )));
        }
        on_step(RunStep::Read, &path.display().to_string());
        let one = check_files(std::slice::from_ref(&path), &options, |_| {});
        if let Some(refused) = one.report.refused.first() {
            return Err(PipelineError::InputRefused(Box::new(refused.clone())));
        }
        check.report.files.extend(one.report.files);
        check.imports.extend(one.imports);
    }
    lap("read", &mut timings);

    let Some((tx_schema, tx_batches)) = tables_of(&check.imports, TableKind::Transactions)? else {
        return Err(PipelineError::Input(
            "no transactions file among the inputs: kehu needs at least one file of orders (customer, date, amount)".into(),
        ));
    };
    let config = &req.config;
    let as_of = match (req.as_of, config.run.as_of.as_str()) {
        (Some(d), _) => d,
        (None, "auto") => default_as_of(&tx_batches).ok_or_else(|| {
            PipelineError::Input("the transactions are empty: no date to judge as of".into())
        })?,
        (None, text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| PipelineError::Input(format!("run.as_of `{text}`: {e}")))?,
    };

    on_step(RunStep::Features, "");
    let engine = FeatureEngine::new()?;
    engine.register("transactions", tx_schema, tx_batches)?;
    for kind in [TableKind::Customers, TableKind::Feedback] {
        if let Some((schema, batches)) = tables_of(&check.imports, kind)? {
            engine.register(kind.name(), schema, batches)?;
        }
    }
    let options = FeatureOptions {
        as_of,
        time_unit: if config.run.time_unit == "days" {
            TimeUnit::Days
        } else {
            TimeUnit::Weeks
        },
        trend_days: config.run.trend_days,
    };
    let batches = feature_table(&engine, &options)?;
    let schema = match batches.first() {
        Some(b) => b.schema(),
        None => return Err(PipelineError::Input("no customers to classify".into())),
    };
    let mut frame = FeatureFrame::new(schema, &batches)?;
    frame = frame.with_columns(rfm_score_columns(&frame, &config.rfm))?;
    if !config.features.is_empty() {
        engine.register(
            "features",
            frame.batch().schema(),
            vec![frame.batch().clone()],
        )?;
        let features: Vec<(String, String)> = config
            .features
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let batches = add_custom_features(&engine, "features", &features)
            .map_err(|e| PipelineError::Input(format!("kehu.toml [features]: {e}")))?;
        let schema = batches
            .first()
            .map(|b| b.schema())
            .unwrap_or_else(|| frame.batch().schema());
        frame = FeatureFrame::new(schema, &batches)?;
    }
    lap("features", &mut timings);
    Ok(Prepared {
        check,
        engine,
        options,
        frame,
        timings,
        clock,
    })
}

/// Runs the whole job and writes the run directory.
pub fn run(
    req: &RunRequest,
    mut on_step: impl FnMut(RunStep, &str),
) -> Result<RunResult, PipelineError> {
    let (mut result, frame, clock) = classify(req, &mut on_step)?;
    on_step(RunStep::Write, "");
    let formats = if req.formats.is_empty() {
        req.config.run.formats.clone()
    } else {
        req.formats.clone()
    };
    let time_unit = if req.config.run.time_unit == "days" {
        kehu_features::TimeUnit::Days
    } else {
        kehu_features::TimeUnit::Weeks
    };
    result.outputs = write_run(&result, &frame, req, &formats, time_unit)?;
    result
        .timings
        .push(("write".into(), clock.elapsed().as_secs_f64()));
    Ok(result)
}

/// Everything `run` does except writing: the result (with no outputs) and the customer table.
/// `kehu cluster` and `kehu tree` print from it.
pub fn classify(
    req: &RunRequest,
    mut on_step: impl FnMut(RunStep, &str),
) -> Result<(RunResult, FeatureFrame, Instant), PipelineError> {
    let Prepared {
        check,
        engine,
        options,
        mut frame,
        mut timings,
        mut clock,
    } = prepare(req, &mut on_step)?;
    let config = &req.config;
    let as_of = options.as_of;
    let mut lap = |name: &str, timings: &mut Vec<(String, f64)>| {
        timings.push((name.to_string(), clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };

    let mut prediction = None;
    let mut tracking = None;
    if config.predict.enabled {
        on_step(RunStep::Predict, "");
        let (model, selection, tracked) = choose_model(&engine, &options, &frame, config);
        tracking = tracked;
        let (columns, outcome) = predict(
            &frame,
            &config.predict,
            model,
            options.time_unit.days(),
            as_of,
            selection,
        );
        frame = frame.with_columns(columns)?;
        prediction = Some(outcome);
        lap("predict", &mut timings);
    }

    on_step(RunStep::Schemes, "");
    let mut outcomes = run_rule_schemes(&frame, config);
    frame = append_labels(&frame, &outcomes)?;
    let rule_outcomes = rule_schemes(&engine, &frame, config)?;
    frame = append_labels(&frame, &rule_outcomes)?;
    outcomes.extend(rule_outcomes);
    lap("schemes", &mut timings);

    on_step(RunStep::Learn, "");
    let mut clustering = None;
    if config.cluster.enabled {
        let (learned, report) = cluster_schemes(&frame, &config.cluster, &outcomes)?;
        frame = append_labels(&frame, &learned)?;
        outcomes.extend(learned);
        clustering = report;
    }
    let mut tree = None;
    if config.tree.enabled {
        let labels_file = (!config.tree.labels_file.is_empty())
            .then(|| req.config_dir.join(&config.tree.labels_file));
        let churn = TreeInputs {
            options: &options,
            holdout_days: config.predict.holdout_days,
            labels_file: labels_file.as_deref(),
        };
        let (outcome, report) = tree_scheme(&engine, &frame, &config.tree, &outcomes, &churn)?;
        frame = append_labels(&frame, std::slice::from_ref(&outcome))?;
        outcomes.push(outcome);
        tree = report;
    }
    let (comparisons, comparison_notes) = compare_pairs(&frame, &outcomes, &config.compare.pairs);
    lap("learn", &mut timings);

    let (mut playbook, mut recommendations) = (None, None);
    if config.playbook.enabled {
        let (chosen, report) = recommend(&frame, &outcomes, &config.playbook)?;
        frame = frame.with_columns(chosen.columns(&report))?;
        playbook = Some(report);
        recommendations = Some(chosen);
    }

    let labellings = done_labellings(&outcomes);
    let segments = segment_rows(&frame, &labellings, req.lang);
    lap("playbook", &mut timings);
    let revenue = kehu_domain::Money::from_units(
        frame
            .money_units("revenue")
            .unwrap_or_default()
            .iter()
            .sum(),
    );
    let out_dir = req.out_dir.clone().unwrap_or_else(|| {
        PathBuf::from(
            config
                .run
                .out
                .replace("{as_of}", &as_of.format("%Y-%m-%d").to_string()),
        )
    });
    let result = RunResult {
        check,
        as_of,
        out_dir,
        customers: frame.len(),
        outcomes,
        prediction,
        tracking,
        clustering,
        tree,
        playbook,
        recommendations,
        comparisons,
        comparison_notes,
        segments,
        revenue,
        timings,
        outputs: Vec::new(),
    };
    Ok((result, frame, clock))
}

/// The configured purchase model; for `auto`, the one with the smallest holdout error in a
/// backtest on the last `holdout_days` (BG/NBD when the backtest cannot run), with each
/// model's error.
fn choose_model(
    engine: &FeatureEngine,
    options: &FeatureOptions,
    frame: &FeatureFrame,
    config: &Config,
) -> (PurchaseModel, Vec<(&'static str, f64)>, Option<Tracking>) {
    if let Some(m) = PurchaseModel::from_code(&config.predict.model) {
        return (m, Vec::new(), None);
    }
    let holdout = config.predict.holdout_days;
    let Ok(data) = backtest_data(engine, options, frame, holdout) else {
        return (PurchaseModel::BgNbd, Vec::new(), None);
    };
    // The tracking curve is a nicety for the report: without it the choice still stands.
    let (days, actual) = holdout_tracking(engine, options, &data, holdout).unwrap_or_default();
    let scores: Vec<ModelScore> = PurchaseModel::ALL
        .iter()
        .filter_map(|m| score_model(&data, *m, None, &days).ok())
        .collect();
    let selection = scores.iter().map(|s| (s.code, s.mae)).collect();
    let best = best_model(&scores).unwrap_or(PurchaseModel::BgNbd);
    let tracking = scores
        .iter()
        .find(|s| s.code == best.code())
        .filter(|_| !days.is_empty())
        .map(|s| Tracking {
            model: s.model,
            calibration_end: data.calibration_end,
            days: days.clone(),
            actual: actual.clone(),
            predicted: s.tracking_predicted.clone(),
        });
    (best, selection, tracking)
}

/// The directory a config's relative paths start from.
pub fn config_dir_of(config_path: Option<&Path>) -> PathBuf {
    config_path
        .and_then(|p| p.parent())
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
}

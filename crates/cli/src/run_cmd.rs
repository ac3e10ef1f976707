//! `kehu run`.

use crate::args::RunArgs;
use crate::exit::Outcome;
use crate::progress::Spinner;
use crate::read_options::import_options;
use crate::usage_error;
use kehu_domain::Lang;
use kehu_pipeline::config::{Config, load_config};
use kehu_pipeline::{
    PredictionOutcome, RunRequest, RunResult, RunStep, SchemeOutcome, config_dir_of,
};
use kehu_report::{RunSummary, SchemeTable, format_count, render_run_summary};
use std::io::Write;
use std::path::PathBuf;

/// The config to use: `--config`, else ./kehu.toml when present, else the defaults.
pub(crate) fn config_of(explicit: Option<&PathBuf>) -> anyhow::Result<(Config, Option<PathBuf>)> {
    let path = explicit.cloned().or_else(|| {
        let here = PathBuf::from("kehu.toml");
        here.exists().then_some(here)
    });
    match path {
        Some(p) => Ok((
            load_config(&p).map_err(|e| usage_error(e.to_string()))?,
            Some(p),
        )),
        None => Ok((Config::default(), None)),
    }
}

/// Runs the job and prints the summary.
pub fn run(args: &RunArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let (config, config_path) = config_of(args.config.as_ref())?;
    for f in &args.format {
        if !["csv", "xlsx", "parquet"].contains(&f.as_str()) {
            return Err(usage_error(format!(
                "--format {f}: choose from csv, xlsx (customers.parquet is always written)"
            )));
        }
    }
    let request = RunRequest {
        config,
        config_dir: config_dir_of(config_path.as_deref()),
        files: args.files.clone(),
        import: import_options(&args.read).map_err(usage_error)?,
        as_of: args.as_of,
        out_dir: args.out.clone(),
        formats: args.format.clone(),
        lang,
    };
    let spinner = Spinner::new(args.quiet);
    let result = kehu_pipeline::run(&request, |step, what| {
        spinner.say(&step_message(step, what, lang));
    });
    spinner.done();
    let result = match settle(result, lang)? {
        Ok(r) => r,
        Err(outcome) => return Ok(outcome),
    };
    write!(
        std::io::stdout().lock(),
        "{}",
        render_run_summary(&summary_of(&result, lang), lang)
    )?;
    if let Some(date) = args.compare_as_of {
        return compare_with(&request, &result, date, args.quiet, lang);
    }
    Ok(Outcome::Success)
}

/// `--compare-as-of DATE`: the same data classified as of DATE into `<out>/previous`, then
/// who moved since into `<out>/migration`.
fn compare_with(
    request: &RunRequest,
    result: &RunResult,
    date: chrono::NaiveDate,
    quiet: bool,
    lang: Lang,
) -> anyhow::Result<Outcome> {
    let spinner = Spinner::new(quiet);
    let report = kehu_pipeline::compare_as_of(request, result, date, |step, what| {
        spinner.say(&step_message(step, what, lang));
    });
    spinner.done();
    let report = match settle(report, lang)? {
        Ok(report) => report,
        Err(outcome) => return Ok(outcome),
    };
    write!(
        std::io::stdout().lock(),
        "\n{}",
        crate::diff_cmd::render(
            &report,
            "value_tier",
            &result.out_dir.join("migration"),
            lang
        )
    )?;
    Ok(Outcome::Success)
}

/// A pipeline result as the binary reports it, with exit codes as for `kehu check`: a refused
/// file is printed and becomes exit 1; what the user must fix in the command or the config is
/// a usage error (exit 2); anything else a failure.
pub(crate) fn settle<T>(
    result: Result<T, kehu_pipeline::PipelineError>,
    lang: Lang,
) -> anyhow::Result<Result<T, Outcome>> {
    match result {
        Ok(r) => Ok(Ok(r)),
        Err(kehu_pipeline::PipelineError::InputRefused(refused)) => {
            eprint!("{}", kehu_report::render_refused_file(&refused, lang));
            eprintln!(
                "{} `kehu check {}`",
                lang.pick("For the whole data-quality report:", "完整的数据质量报告："),
                refused.file
            );
            Ok(Err(Outcome::DataRefused))
        }
        Err(kehu_pipeline::PipelineError::Input(message)) => Err(usage_error(message)),
        Err(other) => Err(other.into()),
    }
}

/// What the progress display says during a step.
pub fn step_message(step: RunStep, what: &str, lang: Lang) -> String {
    match step {
        RunStep::Read => format!("{} {what}", lang.pick("reading", "读取")),
        RunStep::Features => lang.pick("computing features", "计算客户特征").to_string(),
        RunStep::Predict => lang
            .pick("fitting the customer-base model", "拟合客户预测模型")
            .to_string(),
        RunStep::Schemes => lang.pick("classifying", "客户分类").to_string(),
        RunStep::Learn => lang
            .pick("clustering and comparing", "聚类与方法对比")
            .to_string(),
        RunStep::Write => lang.pick("writing results", "写出结果").to_string(),
    }
}

/// The terminal summary of a run.
/// The predictions block of the terminal summary.
fn prediction_lines(result: &RunResult, lang: Lang) -> Vec<String> {
    let Some(outcome) = &result.prediction else {
        return Vec::new();
    };
    let report = match outcome {
        PredictionOutcome::Off { reason } => {
            return vec![format!(
                "{}: {}",
                lang.pick("switched off", "未启用"),
                lang.pick(&reason.en, &reason.zh)
            )];
        }
        PredictionOutcome::On(report) => report,
    };
    let fit = &report.purchases;
    let params: Vec<String> = fit
        .parameters
        .iter()
        .map(|(n, v)| format!("{n} = {v:.4}"))
        .collect();
    let mut lines = vec![format!(
        "{} ({}; {} {}, LL {:.2}): {}",
        fit.model,
        report.time_unit,
        format_count(fit.customers as u64),
        lang.pick("customers", "位客户"),
        fit.log_likelihood,
        params.join(", ")
    )];
    if !report.selection.is_empty() {
        let errors: Vec<String> = report
            .selection
            .iter()
            .map(|(m, e)| format!("{m} {e:.4}"))
            .collect();
        lines.push(format!(
            "{}: {}",
            lang.pick(
                "chosen by holdout error (MAE per customer)",
                "按留出期误差（每位客户 MAE）选择"
            ),
            errors.join(", ")
        ));
    }
    for (days, total) in report
        .horizons_days
        .iter()
        .zip(&report.expected_purchases_total)
    {
        lines.push(format!(
            "{} {days} {}: {:.0}",
            lang.pick("expected purchases in the next", "未来"),
            lang.pick("days", "天预期购买次数"),
            total
        ));
    }
    if let Some(clv) = report.clv_total {
        lines.push(format!(
            "{} ({} {}): {}",
            lang.pick("total predicted CLV", "预测 CLV 合计"),
            report.clv_months,
            lang.pick("months", "个月"),
            format_count(clv.round().max(0.0) as u64)
        ));
    }
    for w in &report.warnings {
        lines.push(format!(
            "{}: {}",
            lang.pick("warning", "提示"),
            lang.pick(&w.en, &w.zh)
        ));
    }
    lines
}

/// One line per action with a list: customers, revenue, channel and the file.
fn action_lines(result: &RunResult, lang: Lang) -> Vec<String> {
    let Some(playbook) = &result.playbook else {
        return Vec::new();
    };
    let mut lines: Vec<String> = playbook
        .actions
        .iter()
        .filter(|a| a.listed > 0)
        .map(|a| {
            format!(
                "{}: {} {} · {} {} · {} → actions/{}.csv",
                lang.pick(&a.en, &a.zh),
                format_count(a.listed as u64),
                lang.pick("customers", "位客户"),
                lang.pick("revenue", "收入"),
                kehu_report::format_money(a.revenue, lang),
                a.channel,
                a.code
            )
        })
        .collect();
    if playbook.without_action > 0 {
        lines.push(format!(
            "{} {}",
            format_count(playbook.without_action as u64),
            lang.pick("customers match no action", "位客户没有匹配的行动")
        ));
    }
    lines
}

pub fn summary_of(result: &RunResult, lang: Lang) -> RunSummary {
    let mut schemes = Vec::new();
    let mut skipped = Vec::new();
    for outcome in &result.outcomes {
        match outcome {
            SchemeOutcome::Done(l) => {
                let rows = result
                    .segments
                    .iter()
                    .filter(|s| s.scheme == l.scheme.id)
                    .map(|s| (s.name.clone(), s.customers, s.share, s.revenue_share))
                    .collect();
                schemes.push(SchemeTable {
                    title: format!("{} · {}", l.scheme.title(lang), l.scheme.id),
                    rows,
                    notes: l
                        .notes
                        .iter()
                        .map(|n| lang.pick(&n.en, &n.zh).to_string())
                        .collect(),
                });
            }
            SchemeOutcome::Skipped { scheme, reason } => skipped.push((
                scheme.title(lang).to_string(),
                lang.pick(&reason.en, &reason.zh).to_string(),
            )),
        }
    }
    let files = &result.check.report.files;
    RunSummary {
        predictions: prediction_lines(result, lang),
        actions: action_lines(result, lang),
        as_of: result.as_of.format("%Y-%m-%d").to_string(),
        customers: result.customers as u64,
        revenue: result.revenue,
        rows_accepted: files.iter().map(|f| f.import.accepted).sum(),
        rows_quarantined: files.iter().map(|f| f.import.quarantined).sum(),
        schemes,
        skipped,
        out_dir: result.out_dir.display().to_string(),
    }
}

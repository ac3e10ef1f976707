//! `kehu backtest`.

use crate::args::BacktestArgs;
use crate::exit::Outcome;
use crate::progress::Spinner;
use crate::read_options::import_options;
use crate::run_cmd::{config_of, settle, step_message};
use crate::usage_error;
use kehu_domain::Lang;
use kehu_pipeline::{BacktestResult, RunRequest, config_dir_of, run_backtest};
use std::fmt::Write as _;
use std::io::Write;

/// Runs the backtest and prints the comparison.
pub fn run(args: &BacktestArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let (config, config_path) = config_of(args.config.as_ref())?;
    let holdout_days = args.holdout_days.unwrap_or(config.predict.holdout_days);
    if holdout_days == 0 {
        return Err(usage_error("--holdout-days must be at least 1".to_string()));
    }
    let request = RunRequest {
        config,
        config_dir: config_dir_of(config_path.as_deref()),
        files: args.files.clone(),
        import: import_options(&args.read).map_err(usage_error)?,
        as_of: args.as_of,
        out_dir: None,
        formats: Vec::new(),
        lang,
    };
    let spinner = Spinner::new(args.quiet);
    let result = run_backtest(&request, holdout_days, |step, what| {
        spinner.say(&step_message(step, what, lang));
    });
    spinner.done();
    let result = match settle(result, lang)? {
        Ok(r) => r,
        Err(outcome) => return Ok(outcome),
    };
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&result)? + "\n")?;
    }
    write!(std::io::stdout().lock(), "{}", render(&result, lang))?;
    Ok(Outcome::Success)
}

/// The comparison as text.
fn render(r: &BacktestResult, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} → {} ({} {}), {} {} ({})",
        lang.pick("Calibration to", "校准期截至"),
        r.calibration_end,
        r.as_of,
        r.holdout_days,
        lang.pick("days of holdout", "天留出期"),
        r.customers,
        lang.pick("customers", "位客户"),
        r.time_unit
    );
    let _ = writeln!(
        out,
        "\n{:<12}{:>12}{:>12}{:>9}{:>9}{:>8}{:>8}{:>10}{:>12}",
        lang.pick("model", "模型"),
        lang.pick("actual", "实际"),
        lang.pick("predicted", "预测"),
        "MAE",
        "RMSE",
        lang.pick("corr", "相关"),
        "Brier",
        lang.pick("value ρ", "价值ρ"),
        "LL"
    );
    for s in &r.scores {
        let _ = writeln!(
            out,
            "{:<12}{:>12.0}{:>12.1}{:>9.4}{:>9.4}{:>8.3}{:>8.4}{:>10}{:>12.2}",
            s.model,
            s.actual_total,
            s.predicted_total,
            s.mae,
            s.rmse,
            s.correlation,
            s.brier,
            s.value_rank_correlation
                .map_or("-".to_string(), |v| format!("{v:.3}")),
            s.fit.log_likelihood
        );
    }
    for (model, why) in &r.failures {
        let _ = writeln!(
            out,
            "{model}: {} {why}",
            lang.pick("not fitted:", "无法拟合：")
        );
    }
    if let Some(best) = r.best {
        let _ = writeln!(
            out,
            "\n{}: {best}",
            lang.pick(
                "Smallest holdout error (what model = \"auto\" picks)",
                "留出期误差最小（model = \"auto\" 的选择）"
            )
        );
    }
    let _ = writeln!(
        out,
        "\n{}",
        lang.pick(
            "Mean holdout purchases by calibration purchases (actual / predicted):",
            "按校准期购买次数分组的留出期平均购买次数（实际 / 预测）："
        )
    );
    if let Some(first) = r.scores.first() {
        for (k, b) in first.by_frequency.iter().enumerate() {
            let predicted: Vec<String> = r
                .scores
                .iter()
                .map(|s| {
                    format!(
                        "{} {:.3}",
                        s.model,
                        s.by_frequency.get(k).map_or(f64::NAN, |x| x.predicted_mean)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "  x = {:<3} n = {:<7} {} {:.3} · {}",
                b.frequency,
                b.customers,
                lang.pick("actual", "实际"),
                b.actual_mean,
                predicted.join(" · ")
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        lang.pick(
            "Cumulative repeat purchases in the holdout (days: actual / predicted):",
            "留出期累计复购次数（天：实际 / 预测）："
        )
    );
    for (k, day) in r.tracking_days.iter().enumerate() {
        let predicted: Vec<String> = r
            .scores
            .iter()
            .map(|s| {
                format!(
                    "{:.0}",
                    s.tracking_predicted.get(k).copied().unwrap_or(f64::NAN)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "  {day:>4}: {:.0} / {}",
            r.tracking_actual[k],
            predicted.join(" / ")
        );
    }
    out
}

//! kehu as one more peer of the model job of `../shared/bench` (its README: "Model peers"; how
//! to run it: `bench/README.md` of this project). The same job as
//! `peers/models_lifetimes.py`, step for step:
//!
//! `btyd_peer --data cdnow|PATH.parquet|PATH.csv [--json OUT] [--repeat N] [--horizon H]`
//!
//! - `load`: the summary rows (x, t_x, T and the mean repeat spend). `cdnow` is
//!   `data/cdnow_customers_summary_with_transactions.csv` of this repository (weeks; the
//!   customers and numbers of lifetimes' `cdnow_customers_summary.csv` plus `zbar`); a Parquet
//!   or CSV file has lifetimes' columns `frequency`, `recency`, `T`, `monetary_value` (days);
//! - `fit_bgnbd`: [`fit_bg_nbd`] on every customer, standard errors included (lifetimes also
//!   computes its Hessian inside `fit`);
//! - `fit_gg`: [`fit_gamma_gamma`] on the repeat buyers' (x, z̄);
//! - `predict`: for every customer, in parallel: expected purchases over 52 weeks / 365 days,
//!   P(alive), the Gamma-Gamma expected spend per purchase, and the 12-month CLV at 1%/month
//!   valued at that expected spend (lifetimes' `customer_lifetime_value`; a month is 4.345
//!   weeks or 30 days, as lifetimes' `freq="W"` / `"D"`). The expected purchases come from
//!   [`forecast`] (the bits of `expected_purchases` and `customer_lifetime_value`, computed
//!   once per distinct (x, T)).
//!
//! It prints `BENCH step=<name> seconds=<s>`, an `INFO` line and a `RESULT {json}` line with
//! the fields `summarize.py` reads (the same shape as the lifetimes peer's), and writes the
//! JSON to `--json`. `ll_total` is Σ ln L in the data's own time unit (kehu's
//! [`Fit::log_likelihood`]); `lifetimes_mean_nll` is lifetimes' own objective evaluated at
//! kehu's optimum (BG/NBD: mean −ln L on times divided by max T; Gamma-Gamma: mean −ln L), so
//! both columns of the bench's table compare directly. Sums over customers are taken in input
//! order after the parallel map, so every figure is the same for any number of threads.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use kehu_models::btyd::{
    ClvHorizon, Fit, FitOptions, RepeatHistory, SpendHistory, discounted_value, fit_bg_nbd,
    fit_gamma_gamma, forecast,
};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// The CDNOW summary lifetimes ships, with the mean repeat spend (same 2,357 customers).
const CDNOW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cdnow_customers_summary_with_transactions.csv"
);

/// The summary columns, each with the names it may have (lifetimes' first, CDNOW's second).
const COLUMNS: [[&str; 2]; 4] = [
    ["frequency", "x"],
    ["recency", "t_x"],
    ["T", "T"],
    ["monetary_value", "zbar"],
];

struct Args {
    data: String,
    json: Option<String>,
    repeat: usize,
    horizon: Option<f64>,
}

/// One customer's row: the purchase history and the mean repeat spend (0 without repeats).
struct Summary {
    histories: Vec<RepeatHistory>,
    monetary: Vec<f64>,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "btyd_peer: {e}\nusage: btyd_peer --data cdnow|PATH.parquet|PATH.csv [--json OUT] [--repeat N] [--horizon H]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("btyd_peer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Result<Args, Error> {
    let mut args = Args {
        data: String::new(),
        json: None,
        repeat: 1,
        horizon: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => args.data = value()?,
            "--json" => args.json = Some(value()?),
            "--repeat" => args.repeat = value()?.parse::<usize>()?.max(1),
            "--horizon" => args.horizon = Some(value()?.parse()?),
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    if args.data.is_empty() {
        return Err("--data is required".into());
    }
    Ok(args)
}

fn bench_line(out: &mut impl Write, step: &str, seconds: f64) -> Result<(), Error> {
    writeln!(out, "BENCH step={step} seconds={seconds:.6}")?;
    out.flush()?;
    Ok(())
}

/// Runs `step` `repeat` times and prints the median time (the first run included), like the
/// lifetimes peer's `--repeat`.
fn timed<T>(
    out: &mut impl Write,
    name: &str,
    repeat: usize,
    mut step: impl FnMut() -> Result<T, Error>,
) -> Result<T, Error> {
    let mut times = Vec::with_capacity(repeat);
    let mut value = None;
    for _ in 0..repeat {
        let started = Instant::now();
        value = Some(step()?);
        times.push(started.elapsed().as_secs_f64());
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let median = if n % 2 == 1 {
        times[n / 2]
    } else {
        0.5 * (times[n / 2 - 1] + times[n / 2])
    };
    bench_line(out, name, median)?;
    if repeat > 1 {
        writeln!(
            out,
            "INFO step={name} repeats={repeat} first={first:.6} min={:.6}",
            times[0]
        )?;
    }
    value.ok_or_else(|| "no run".into())
}

fn run(args: &Args) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    let started = Instant::now();
    let (summary, unit) = load(&args.data)?;
    bench_line(&mut out, "load", started.elapsed().as_secs_f64())?;
    let weeks = unit == "weeks";
    let horizon = args.horizon.unwrap_or(if weeks { 52.0 } else { 365.0 });
    let clv_horizon = ClvHorizon {
        // lifetimes' `customer_lifetime_value(freq=…)`: a month is 4.345 weeks or 30 days.
        period_length: if weeks { 4.345 } else { 30.0 },
        periods: 12,
        discount_rate: 0.01,
    };
    let spends: Vec<SpendHistory> = summary
        .histories
        .iter()
        .zip(&summary.monetary)
        .filter(|(h, _)| h.frequency > 0)
        .map(|(h, &m)| SpendHistory {
            frequency: h.frequency,
            mean_spend: m,
        })
        .collect();
    let options = FitOptions::default();

    let bg = timed(&mut out, "fit_bgnbd", args.repeat, || {
        Ok(fit_bg_nbd(&summary.histories, &options)?)
    })?;
    let gg = timed(&mut out, "fit_gg", args.repeat, || {
        Ok(fit_gamma_gamma(&spends, &options)?)
    })?;

    let started = Instant::now();
    // The horizon first, then the ends of the CLV's months: one `forecast` for all of them
    // (the ₂F₁ series once per distinct (x, T), not per customer).
    let horizons: Vec<f64> = std::iter::once(horizon)
        .chain(clv_horizon.period_ends())
        .collect();
    let forecasts = forecast(&bg.model, &horizons, &summary.histories);
    let rows: Vec<Option<[f64; 4]>> = summary
        .histories
        .par_iter()
        .zip(summary.monetary.par_iter())
        .enumerate()
        .map(|(i, (h, &m))| {
            let mut expected = forecasts.expected_purchases(i);
            let purchases = expected.next()??;
            let alive = forecasts.probability_alive(i);
            let spend = gg.model.expected_mean_spend(h.frequency, m)?;
            let clv = discounted_value(expected, spend, clv_horizon.discount_rate)?;
            Some([purchases, alive, spend, clv])
        })
        .collect();
    bench_line(&mut out, "predict", started.elapsed().as_secs_f64())?;

    let undefined = rows.iter().filter(|r| r.is_none()).count();
    let mut sums = [0.0; 4];
    for row in rows.iter().flatten() {
        for (s, v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    let customers = summary.histories.len();
    let defined = (customers - undefined) as f64;
    let repeat_purchases: f64 = summary
        .histories
        .iter()
        .map(|h| f64::from(h.frequency))
        .sum();
    let max_age = summary
        .histories
        .iter()
        .map(|h| h.age)
        .fold(0.0_f64, f64::max);
    // lifetimes' BG/NBD objective: times divided by max T, which adds Σx·ln(max T) to ln L.
    let bg_lifetimes_nll =
        -(bg.log_likelihood + repeat_purchases * max_age.ln()) / customers as f64;
    let gg_lifetimes_nll = -gg.log_likelihood / spends.len() as f64;

    let result = ResultJson {
        data: &args.data,
        time_unit: unit,
        customers,
        repeat_customers: spends.len(),
        bgnbd: fit_json(&bg, bg_lifetimes_nll),
        gamma_gamma: fit_json(&gg, gg_lifetimes_nll),
        predictions: json!({
            "horizon": horizon,
            "sum_expected_purchases": sums[0],
            "mean_p_alive": sums[1] / defined,
            "mean_expected_avg_spend": sums[2] / defined,
            "sum_clv_12_periods": sums[3],
            "undefined_customers": undefined,
            "clv_note": format!(
                "time=12 months of {} {unit}, discount_rate=0.01/month (as lifetimes freq={})",
                clv_horizon.period_length,
                if weeks { "W" } else { "D" }
            ),
        }),
        versions: json!({
            "kehu": env!("CARGO_PKG_VERSION"),
            "threads": rayon::current_num_threads(),
        }),
    };
    writeln!(
        out,
        "INFO customers={customers} repeat_customers={} unit={unit} distinct_rows={} bgnbd_iterations={} gg_iterations={}",
        spends.len(),
        bg.distinct_rows,
        bg.iterations,
        gg.iterations
    )?;
    writeln!(out, "RESULT {}", serde_json::to_string(&result)?)?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

/// Parameter names and values as a JSON object in the model's order (r, alpha, a, b), as the
/// lifetimes peer prints them.
struct Named<'a>(&'a [&'static str], &'a [f64]);

impl Serialize for Named<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().zip(self.1))
    }
}

/// The `RESULT` line: the lifetimes peer's fields, in its order (a struct, because serde_json's
/// maps sort their keys).
#[derive(Serialize)]
struct ResultJson<'a> {
    data: &'a str,
    time_unit: &'static str,
    customers: usize,
    repeat_customers: usize,
    bgnbd: FitJson<'a>,
    gamma_gamma: FitJson<'a>,
    predictions: Value,
    versions: Value,
}

#[derive(Serialize)]
struct FitJson<'a> {
    params: Named<'a>,
    ll_total: f64,
    lifetimes_mean_nll: f64,
    se: Option<Named<'a>>,
    distinct_rows: usize,
    iterations: u64,
    gradient_norm: f64,
    converged: bool,
    starts: usize,
    starts_agreeing: usize,
    optimiser: &'static str,
}

fn fit_json<M>(fit: &Fit<M>, lifetimes_mean_nll: f64) -> FitJson<'_> {
    let names = &fit.parameter_names;
    FitJson {
        params: Named(names, &fit.parameters),
        ll_total: fit.log_likelihood,
        lifetimes_mean_nll,
        se: fit.standard_errors.as_deref().map(|se| Named(names, se)),
        distinct_rows: fit.distinct_rows,
        iterations: fit.iterations,
        gradient_norm: fit.gradient_norm,
        converged: fit.converged,
        starts: fit.starts,
        starts_agreeing: fit.starts_agreeing,
        optimiser: fit.optimiser,
    }
}

/// Reads the summary; returns it with its time unit ("weeks" for CDNOW, "days" otherwise).
fn load(data: &str) -> Result<(Summary, &'static str), Error> {
    if data == "cdnow" {
        return Ok((read_csv(Path::new(CDNOW))?, "weeks"));
    }
    let path = Path::new(data);
    let summary = if data.ends_with(".parquet") {
        read_parquet(path)?
    } else {
        read_csv(path)?
    };
    Ok((summary, "days"))
}

fn summary_from_columns([x, t_x, age, monetary]: [Vec<f64>; 4]) -> Result<Summary, Error> {
    let histories = x
        .iter()
        .zip(&t_x)
        .zip(&age)
        .enumerate()
        .map(|(row, ((&x, &t_x), &age))| {
            if x.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&x) {
                return Err(format!("row {row}: frequency {x} is not a count").into());
            }
            Ok(RepeatHistory::new(x as u32, t_x, age))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Summary {
        histories,
        monetary,
    })
}

/// A plain numeric CSV with a header (the CDNOW file and the bench's synthetic CSV: no quotes).
fn read_csv(path: &Path) -> Result<Summary, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let index: Vec<usize> = COLUMNS
        .iter()
        .map(|names| {
            header
                .iter()
                .position(|h| names.contains(&h.trim()))
                .ok_or_else(|| format!("{}: no column {}", path.display(), names[0]))
        })
        .collect::<Result<_, _>>()?;
    let mut columns: [Vec<f64>; 4] = Default::default();
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        for (column, &i) in columns.iter_mut().zip(&index) {
            let field = fields
                .get(i)
                .ok_or_else(|| format!("line {}: short", n + 2))?;
            column.push(
                field
                    .trim()
                    .parse()
                    .map_err(|e| format!("line {}: `{field}`: {e}", n + 2))?,
            );
        }
    }
    summary_from_columns(columns)
}

fn read_parquet(path: &Path) -> Result<Summary, Error> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let names: Vec<&str> = COLUMNS.iter().map(|n| n[0]).collect();
    let mask = ProjectionMask::columns(builder.parquet_schema(), names.iter().copied());
    let reader = builder
        .with_projection(mask)
        .with_batch_size(1 << 20)
        .build()?;
    let mut columns: [Vec<f64>; 4] = Default::default();
    for batch in reader {
        let batch: RecordBatch = batch?;
        for (column, name) in columns.iter_mut().zip(&names) {
            let array = batch
                .column_by_name(name)
                .ok_or_else(|| format!("{}: no column {name}", path.display()))?;
            let array = cast(array, &DataType::Float64)?;
            if array.null_count() > 0 {
                return Err(format!("{}: nulls in {name}", path.display()).into());
            }
            column.extend_from_slice(array.as_primitive::<Float64Type>().values());
        }
    }
    summary_from_columns(columns)
}

//! kehu as one more peer of the RFM job of `../shared/bench` (its README: "The RFM job" and
//! "Peer contract"; how to run it: `bench/README.md` of this project).
//!
//! `rfm_peer INPUT FORMAT OUT` — FORMAT is `parquet` or `csv` (kehu detects the format itself;
//! the argument is checked against what it found).
//!
//! It runs kehu's own code, step by step, and prints `BENCH step=<name> seconds=<s>`:
//!
//! - `read`: [`kehu_ingest::import_file`] with full validation and
//!   [`DuplicatePolicy::Keep`] (the bench file has legitimate identical order lines and the job
//!   has no de-duplication); every row must be accepted, or the run fails;
//! - `aggregate`: a [`FeatureEngine`] over the imported batches and
//!   [`kehu_features::customer_summary`] as of 2025-01-01 (`orders` = distinct orders, `revenue`
//!   = exact sum, `aov` = revenue / orders, first and last order, `recency_days`), then the
//!   summary in the contract's types: revenue rescaled exactly from `Decimal128(38, 4)` to
//!   scale 2, order times to `Date32`;
//! - `score`: [`quintile_scores`] for R (recency descending), F and M (ascending) and
//!   [`value_tiers`] over all customers;
//! - `write`: the Parquet file with exactly the contract's columns.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, Int8Array, RecordBatch, StringArray,
};
use arrow::datatypes::{
    DataType, Decimal128Type, Field, Float64Type, Int64Type, Schema, TimeUnit,
    TimestampMicrosecondType,
};
use chrono::NaiveDate;
use kehu_features::{FeatureEngine, customer_summary};
use kehu_ingest::{DuplicatePolicy, ImportOptions, import_file};
use kehu_models::{Order, quintile_scores, value_tiers};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

const MICROS_PER_DAY: i64 = 86_400_000_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, format, out] = args.as_slice() else {
        eprintln!("usage: rfm_peer INPUT parquet|csv OUT.parquet");
        return ExitCode::from(2);
    };
    match run(Path::new(input), format, Path::new(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rfm_peer: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `step`, then prints its wall time in the bench's form.
fn timed<T>(
    stdout: &mut impl Write,
    name: &str,
    step: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    let started = Instant::now();
    let value = step()?;
    let seconds = started.elapsed().as_secs_f64();
    writeln!(stdout, "BENCH step={name} seconds={seconds:.6}")?;
    stdout.flush()?;
    Ok(value)
}

fn run(input: &Path, format: &str, out: &Path) -> Result<(), Error> {
    if format != "parquet" && format != "csv" {
        return Err(format!("format must be parquet or csv, not `{format}`").into());
    }
    let as_of = NaiveDate::from_ymd_opt(2025, 1, 1).ok_or("as_of")?;
    let mut stdout = std::io::stdout().lock();

    let import = timed(&mut stdout, "read", || {
        let options = ImportOptions {
            duplicates: DuplicatePolicy::Keep,
            ..ImportOptions::default()
        };
        Ok(import_file(input, &options)?)
    })?;
    let report = &import.report;
    if report.quarantined != 0 || report.accepted != report.rows_seen - report.skipped_blank {
        return Err(format!(
            "kehu did not accept every row: rows_seen={} accepted={} quarantined={} \
             skipped_blank={}; the RFM job would not match the peers",
            report.rows_seen, report.accepted, report.quarantined, report.skipped_blank
        )
        .into());
    }
    let rows = report.accepted;

    let summary = timed(&mut stdout, "aggregate", || {
        let engine = FeatureEngine::new()?;
        engine.register("transactions", import.schema.clone(), import.batches)?;
        let batches = customer_summary(&engine, as_of)?;
        let schema = match batches.first() {
            Some(b) => b.schema(),
            None => return Err("the summary is empty".into()),
        };
        let summary = arrow::compute::concat_batches(&schema, &batches)?;
        Summary::from_kehu(&summary)
    })?;

    let scores = timed(&mut stdout, "score", || Ok(Scores::of(&summary)))?;
    let customers = summary.frequency.len();

    timed(&mut stdout, "write", || {
        let batch = output_batch(summary, scores)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let file = std::fs::File::create(out)?;
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))?;
        writer.write(&batch)?;
        writer.close()?;
        Ok(())
    })?;
    writeln!(stdout, "INFO rows={rows} customers={customers}")?;
    Ok(())
}

/// kehu's customer summary, in the contract's types.
#[derive(Debug)]
struct Summary {
    customer_id: ArrayRef,
    frequency: ArrayRef,
    /// Exact cents, for ranking.
    cents: Vec<i64>,
    monetary_total: ArrayRef,
    monetary_mean: ArrayRef,
    first_order_date: ArrayRef,
    last_order_date: ArrayRef,
    recency_days: ArrayRef,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, Error> {
    let c = batch
        .column_by_name(name)
        .ok_or_else(|| format!("the customer summary has no `{name}` column"))?;
    if c.null_count() != 0 {
        return Err(format!("the customer summary has nulls in `{name}`").into());
    }
    Ok(c)
}

fn days(ts: &ArrayRef) -> Result<ArrayRef, Error> {
    let ts = ts
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or("order times are not Timestamp(µs)")?;
    let days: Result<Date32Array, Error> = ts
        .values()
        .iter()
        .map(|&t| Ok(Some(i32::try_from(t.div_euclid(MICROS_PER_DAY))?)))
        .collect();
    Ok(Arc::new(days?))
}

impl Summary {
    fn from_kehu(s: &RecordBatch) -> Result<Summary, Error> {
        let customer_id = column(s, "customer_id")?.clone();
        if customer_id.data_type() != &DataType::Utf8 {
            return Err(format!("customer_id is {}", customer_id.data_type()).into());
        }
        let frequency = column(s, "orders")?.clone();
        if frequency.as_primitive_opt::<Int64Type>().is_none() {
            return Err(format!("orders is {}", frequency.data_type()).into());
        }
        let revenue = column(s, "revenue")?;
        let DataType::Decimal128(_, scale) = revenue.data_type() else {
            return Err(format!("revenue is {}", revenue.data_type()).into());
        };
        let divisor = match *scale {
            s @ 2.. => 10i128.pow(u32::try_from(s - 2)?),
            _ => return Err(format!("revenue has scale {scale} < 2").into()),
        };
        let cents: Vec<i64> = revenue
            .as_primitive::<Decimal128Type>()
            .values()
            .iter()
            .map(|&v| {
                if v % divisor != 0 {
                    return Err(format!(
                        "revenue {v} (scale {scale}) is not a whole number of cents"
                    )
                    .into());
                }
                Ok(i64::try_from(v / divisor)?)
            })
            .collect::<Result<_, Error>>()?;
        let monetary_total: ArrayRef = Arc::new(
            Decimal128Array::from_iter_values(cents.iter().map(|&c| i128::from(c)))
                .with_precision_and_scale(38, 2)?,
        );
        let monetary_mean = column(s, "aov")?.clone();
        if monetary_mean.as_primitive_opt::<Float64Type>().is_none() {
            return Err(format!("aov is {}", monetary_mean.data_type()).into());
        }
        let recency_days = column(s, "recency_days")?.clone();
        if recency_days.as_primitive_opt::<Int64Type>().is_none() {
            return Err(format!("recency_days is {}", recency_days.data_type()).into());
        }
        let micros = DataType::Timestamp(TimeUnit::Microsecond, None);
        for name in ["first_order", "last_order"] {
            let t = column(s, name)?.data_type();
            if t != &micros {
                return Err(format!("{name} is {t}").into());
            }
        }
        Ok(Summary {
            customer_id,
            frequency,
            cents,
            monetary_total,
            monetary_mean,
            first_order_date: days(column(s, "first_order")?)?,
            last_order_date: days(column(s, "last_order")?)?,
            recency_days,
        })
    }
}

/// R, F and M scores and value tiers, by `kehu_models`.
#[derive(Debug)]
struct Scores {
    r: Vec<u8>,
    f: Vec<u8>,
    m: Vec<u8>,
    tier: Vec<&'static str>,
}

impl Scores {
    fn of(s: &Summary) -> Scores {
        let as_f64 = |a: &ArrayRef| -> Vec<f64> {
            a.as_primitive::<Int64Type>()
                .values()
                .iter()
                .map(|&v| v as f64)
                .collect()
        };
        let recency = as_f64(&s.recency_days);
        let frequency = as_f64(&s.frequency);
        // Cents are integers far below 2^53: exact in f64, so ranks and ties are exact.
        let money: Vec<f64> = s.cents.iter().map(|&c| c as f64).collect();
        // The four rankings are independent: they run side by side on the bench's cores.
        std::thread::scope(|scope| {
            let r = scope.spawn(|| quintile_scores(&recency, Order::Descending));
            let f = scope.spawn(|| quintile_scores(&frequency, Order::Ascending));
            let m = scope.spawn(|| quintile_scores(&money, Order::Ascending));
            let tier = value_tiers(&money).into_iter().map(|t| t.code()).collect();
            let join = |h: std::thread::ScopedJoinHandle<'_, Vec<u8>>| {
                h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
            };
            Scores {
                r: join(r),
                f: join(f),
                m: join(m),
                tier,
            }
        })
    }
}

fn score_array(scores: Vec<u8>) -> Result<ArrayRef, Error> {
    let scores: Result<Vec<i8>, _> = scores.into_iter().map(i8::try_from).collect();
    Ok(Arc::new(Int8Array::from(scores?)))
}

fn output_batch(s: Summary, scores: Scores) -> Result<RecordBatch, Error> {
    let field = |name: &str, a: &ArrayRef| Field::new(name, a.data_type().clone(), false);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("customer_id", s.customer_id),
        ("frequency", s.frequency),
        ("monetary_total", s.monetary_total),
        ("monetary_mean", s.monetary_mean),
        ("first_order_date", s.first_order_date),
        ("last_order_date", s.last_order_date),
        ("recency_days", s.recency_days),
        ("r_score", score_array(scores.r)?),
        ("f_score", score_array(scores.f)?),
        ("m_score", score_array(scores.m)?),
        ("value_tier", Arc::new(StringArray::from(scores.tier))),
    ];
    let schema = Schema::new(columns.iter().map(|(n, a)| field(n, a)).collect::<Vec<_>>());
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    Ok(RecordBatch::try_new(Arc::new(schema), arrays)?)
}

use crate::customer_profile::CustomerProfile;
use crate::dirt::Dirt;
use crate::labels::Labels;
use crate::plan::Plan;
use crate::population::Population;
use crate::streams::Streams;
use crate::text_format::TextFormat;
use crate::transaction_csv::TransactionCsv;
use crate::transaction_log::TransactionLog;
use crate::transaction_parquet::TransactionParquet;
use crate::{GenParams, OutputFormat, SynthError};
use serde::Serialize;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Counts of what [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenSummary {
    /// Customers in `customers.csv`, potential ones included.
    pub customers: u64,
    /// Customers who signed up and never ordered.
    pub potential_customers: u64,
    /// Buyers still alive at the as-of date (the model's truth, not observable in the data).
    pub alive_customers: u64,
    /// Distinct order ids.
    pub orders: u64,
    /// Return rows (negative amounts).
    pub returns: u64,
    /// Clean transaction rows (order lines and returns).
    pub transaction_rows: u64,
    /// Rows of `feedback.csv`.
    pub feedback_rows: u64,
    /// Dirty lines of `transactions.csv`, as listed in `truth/dirt.csv`.
    pub dirty_lines: u64,
    /// Physical lines of `transactions.csv`, header included (0 when no CSV was asked for).
    pub csv_lines: u64,
    /// Files written, relative to the output folder, sorted.
    pub files: Vec<String>,
}

/// Everything `params.json` records.
#[derive(Debug, Serialize)]
struct Manifest<'a> {
    generator: &'static str,
    version: &'static str,
    params: &'a GenParams,
    formats: Vec<OutputFormat>,
    window_start: chrono::NaiveDate,
    window_days: u32,
    counts: &'a GenSummary,
}

/// Generates customers, transactions and (optionally) feedback with their ground truth into
/// `out_dir`, creating it if needed.
///
/// The files are a pure function of `params` and `formats`: the same call writes the same
/// bytes on every run and machine. Writes `transactions.csv` (with the requested dirt) and/or
/// `transactions.parquet` (clean), `customers.csv`, `feedback.csv` (when
/// `params.with_feedback`), and under `truth/`: `customers_truth.csv` (+ `.parquet` with
/// Parquet), `dirt.csv` and `params.json`.
///
/// ```
/// use kehu_synth::{generate, DirtLevel, GenParams, OutputFormat};
///
/// let dir = tempfile::tempdir()?;
/// let params = GenParams { customers: 200, dirt: DirtLevel::None, ..GenParams::default() };
/// let summary = generate(&params, dir.path(), &[OutputFormat::Csv])?;
/// assert_eq!(summary.customers, 200);
/// assert!(dir.path().join("transactions.csv").exists());
/// assert!(dir.path().join("truth/customers_truth.csv").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate(
    params: &GenParams,
    out_dir: &Path,
    formats: &[OutputFormat],
) -> Result<GenSummary, SynthError> {
    let (window_start, window_days) = params.window()?;
    if formats.is_empty() {
        return Err(SynthError::InvalidParams {
            field: "formats",
            reason: "name at least one format".to_string(),
        });
    }
    let mut formats = formats.to_vec();
    formats.sort_unstable();
    formats.dedup();
    let with_csv = formats.contains(&OutputFormat::Csv);
    let with_parquet = formats.contains(&OutputFormat::Parquet);

    let population = Population::new(params.model, window_days)?;
    let streams = Streams::new(params.seed);
    let plan = Plan::draw(params, &population, &streams);
    let labels = Labels::new(params.lang);
    let format = TextFormat::new(window_start, window_days, plan.customers.len() as u64);
    let truth_dir = out_dir.join("truth");
    fs::create_dir_all(&truth_dir).map_err(SynthError::io(&truth_dir))?;
    let mut files = Vec::new();

    let csv = if with_csv {
        files.push("transactions.csv".to_string());
        let dirt = Dirt::new(streams.dirt(), params.dirt, params.lang);
        Some(TransactionCsv::create(
            &out_dir.join("transactions.csv"),
            &format,
            &labels,
            dirt,
        )?)
    } else {
        None
    };
    let parquet = if with_parquet {
        files.push("transactions.parquet".to_string());
        Some(TransactionParquet::create(
            &out_dir.join("transactions.parquet"),
            &format,
            &labels,
        )?)
    } else {
        None
    };
    let log = TransactionLog::write(&plan, &population, &streams, csv, parquet)?;

    // Customer index of each id number 1..=n.
    let mut by_id = vec![0u32; plan.ids.len()];
    for (index, &id) in (0u32..).zip(&plan.ids) {
        if let Some(slot) = by_id.get_mut(id as usize - 1) {
            *slot = index;
        }
    }
    write_customers(
        &out_dir.join("customers.csv"),
        &plan,
        &by_id,
        &streams,
        &format,
        &labels,
        window_days,
    )?;
    files.push("customers.csv".to_string());
    if params.with_feedback {
        write_feedback(&out_dir.join("feedback.csv"), &plan, &format, &labels)?;
        files.push("feedback.csv".to_string());
    }
    let truth_args = (
        &plan.customers[..],
        &by_id[..],
        &params.model,
        &format,
        window_days,
    );
    log.truth.write_csv(
        &truth_dir.join("customers_truth.csv"),
        truth_args.0,
        truth_args.1,
        truth_args.2,
        truth_args.3,
        truth_args.4,
    )?;
    files.push("truth/customers_truth.csv".to_string());
    if with_parquet {
        let path = truth_dir.join("customers_truth.parquet");
        log.truth.write_parquet(
            &path,
            truth_args.0,
            truth_args.1,
            truth_args.2,
            truth_args.3,
            truth_args.4,
        )?;
        files.push("truth/customers_truth.parquet".to_string());
    }
    write_dirt(&truth_dir.join("dirt.csv"), &log)?;
    files.push("truth/dirt.csv".to_string());
    files.push("truth/params.json".to_string());
    files.sort_unstable();

    let summary = GenSummary {
        customers: plan.customers.len() as u64,
        potential_customers: plan.customers.iter().filter(|c| c.potential).count() as u64,
        alive_customers: plan.customers.iter().filter(|c| c.alive).count() as u64,
        orders: log.orders,
        returns: log.returns,
        transaction_rows: log.rows,
        feedback_rows: if params.with_feedback {
            plan.feedback.len() as u64
        } else {
            0
        },
        dirty_lines: log.dirt.len() as u64,
        csv_lines: log.csv_lines,
        files,
    };
    let manifest = Manifest {
        generator: "kehu-synth",
        version: env!("CARGO_PKG_VERSION"),
        params,
        formats,
        window_start,
        window_days,
        counts: &summary,
    };
    let path = truth_dir.join("params.json");
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(|source| SynthError::Json {
        path: path.clone(),
        source,
    })?;
    json.push(b'\n');
    fs::write(&path, json).map_err(SynthError::io(&path))?;
    Ok(summary)
}

fn write_customers(
    path: &Path,
    plan: &Plan,
    by_id: &[u32],
    streams: &Streams,
    format: &TextFormat,
    labels: &Labels,
    window_days: u32,
) -> Result<(), SynthError> {
    let mut lines = Lines::create(path, &labels.customer_headers)?;
    for (id, &index) in (1..).zip(by_id) {
        let Some(sim) = plan.customers.get(index as usize) else {
            continue;
        };
        let profile = CustomerProfile::draw(&mut streams.profile(index), labels, window_days);
        profile.write_csv(&mut lines.buf, id, sim, format, labels);
        lines.flush_if_full()?;
    }
    lines.finish()
}

fn write_feedback(
    path: &Path,
    plan: &Plan,
    format: &TextFormat,
    labels: &Labels,
) -> Result<(), SynthError> {
    let mut lines = Lines::create(path, &labels.feedback_headers)?;
    for entry in &plan.feedback {
        let id = plan
            .ids
            .get(entry.customer as usize)
            .copied()
            .unwrap_or_default();
        entry.write_csv(&mut lines.buf, id, format, labels);
        lines.flush_if_full()?;
    }
    lines.finish()
}

fn write_dirt(path: &Path, log: &TransactionLog) -> Result<(), SynthError> {
    let mut lines = Lines::create(path, &["file", "line", "kind", "expected"])?;
    for record in &log.dirt {
        let line = format!(
            "transactions.csv,{},{},{}\n",
            record.line,
            record.kind.code(),
            record.kind.expected()
        );
        lines.buf.extend_from_slice(line.as_bytes());
    }
    lines.finish()
}

/// A small CSV file written through a line buffer.
struct Lines<'p> {
    path: &'p Path,
    out: BufWriter<File>,
    buf: Vec<u8>,
}

impl<'p> Lines<'p> {
    fn create(path: &'p Path, header: &[&str]) -> Result<Self, SynthError> {
        let file = File::create(path).map_err(SynthError::io(path))?;
        let mut buf = header.join(",").into_bytes();
        buf.push(b'\n');
        Ok(Lines {
            path,
            out: BufWriter::with_capacity(1 << 20, file),
            buf,
        })
    }

    fn flush_if_full(&mut self) -> Result<(), SynthError> {
        if self.buf.len() > 1 << 16 {
            self.out
                .write_all(&self.buf)
                .map_err(SynthError::io(self.path))?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), SynthError> {
        self.out
            .write_all(&self.buf)
            .and_then(|()| self.out.flush())
            .map_err(SynthError::io(self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DirtLevel, TruthModel};
    use kehu_domain::Lang;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    fn run(params: &GenParams, formats: &[OutputFormat]) -> (tempfile::TempDir, GenSummary) {
        let dir = tempfile::tempdir().expect("temp dir");
        let summary = generate(params, dir.path(), formats).expect("generate");
        (dir, summary)
    }

    fn read(path: PathBuf) -> String {
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn cents(text: &str) -> i64 {
        let (sign, digits) = text.strip_prefix('-').map_or((1, text), |rest| (-1, rest));
        let (whole, frac) = digits.split_once('.').expect("two decimals");
        assert_eq!(frac.len(), 2, "{text}");
        sign * (whole.parse::<i64>().expect("whole") * 100 + frac.parse::<i64>().expect("cents"))
    }

    #[derive(Debug, Default, PartialEq, Eq)]
    struct Recomputed {
        orders: BTreeSet<u64>,
        returns: u64,
        net: i64,
        first: Option<String>,
        last: Option<String>,
        activity: Option<String>,
    }

    #[test]
    fn same_params_give_the_same_bytes() {
        let params = GenParams {
            customers: 1_500,
            dirt: DirtLevel::Heavy,
            lang: Lang::Zh,
            ..GenParams::default()
        };
        let formats = [OutputFormat::Parquet, OutputFormat::Csv];
        let (a, summary_a) = run(&params, &formats);
        let (b, summary_b) = run(&params, &formats);
        assert_eq!(summary_a, summary_b);
        assert_eq!(summary_a.files.len(), 8);
        for file in &summary_a.files {
            let (x, y) = (
                fs::read(a.path().join(file)).expect("a"),
                fs::read(b.path().join(file)).expect("b"),
            );
            assert!(x == y, "{file} differs between runs");
        }
        let (c, _) = run(
            &GenParams {
                seed: params.seed + 1,
                ..params.clone()
            },
            &formats,
        );
        assert_ne!(
            read(a.path().join("transactions.csv")),
            read(c.path().join("transactions.csv"))
        );
    }

    #[test]
    fn truth_aggregates_equal_a_recomputation_from_the_clean_csv() {
        let params = GenParams {
            customers: 3_000,
            dirt: DirtLevel::None,
            ..GenParams::default()
        };
        let (dir, summary) = run(&params, &[OutputFormat::Csv]);
        let text = read(dir.path().join("transactions.csv"));
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "customer_id,order_id,order_date,amount,quantity,unit_price,product_id,category,channel,region,discount"
            )
        );
        let mut per_customer: BTreeMap<String, Recomputed> = BTreeMap::new();
        let mut previous: Option<(String, String)> = None;
        let mut last_new_order = 0;
        let mut seen_orders = BTreeSet::new();
        let mut rows = 0;
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 11, "{line}");
            let (customer, order, date, amount) = (
                f[0],
                f[1].parse::<u64>().expect("order id"),
                f[2],
                cents(f[3]),
            );
            let quantity: i64 = f[4].parse().expect("quantity");
            assert_eq!(quantity * cents(f[5]) - cents(f[10]), amount, "{line}");
            assert_ne!(amount, 0);
            // Sorted by (date, customer id); new order ids appear in increasing order.
            let key = (date.to_string(), customer.to_string());
            assert!(previous.as_ref().is_none_or(|p| *p <= key), "{line}");
            previous = Some(key);
            if seen_orders.insert(order) {
                assert!(amount > 0 && order == last_new_order + 1, "{line}");
                last_new_order = order;
            }
            let r = per_customer.entry(customer.to_string()).or_default();
            r.orders.insert(order);
            r.net += amount;
            if amount > 0 {
                if r.first.is_none() {
                    r.first = Some(date.to_string());
                }
                r.last = Some(date.to_string());
            } else {
                r.returns += 1;
            }
            r.activity = Some(date.to_string());
            rows += 1;
        }
        assert_eq!(rows, summary.transaction_rows);
        assert_eq!(seen_orders.len() as u64, summary.orders);

        let truth = read(dir.path().join("truth/customers_truth.csv"));
        let mut truth_lines = truth.lines();
        assert_eq!(
            truth_lines.next(),
            Some(crate::truth::TRUTH_COLUMNS.join(",").as_str())
        );
        let mut customers = 0;
        for line in truth_lines {
            let f: Vec<&str> = line.split(',').collect();
            let r = per_customer.remove(f[0]).unwrap_or_default();
            assert_eq!(
                f[9].parse::<usize>().expect("orders"),
                r.orders.len(),
                "{line}"
            );
            assert_eq!(f[10].parse::<u64>().expect("returns"), r.returns, "{line}");
            assert_eq!(cents(f[11]), r.net, "{line}");
            let date = |d: &Option<String>| d.clone().unwrap_or_default();
            assert_eq!(
                (f[12].to_string(), f[13].to_string(), f[14].to_string()),
                (date(&r.first), date(&r.last), date(&r.activity))
            );
            if f[1] == "true" {
                assert!(r.orders.is_empty() && f[2].is_empty());
            } else {
                // BG/NBD: the first purchase and `repeat_purchases` repeats.
                assert_eq!(
                    f[8].parse::<usize>().expect("repeats") + 1,
                    r.orders.len(),
                    "{line}"
                );
            }
            customers += 1;
        }
        assert!(per_customer.is_empty(), "rows of unknown customers");
        assert_eq!(customers, 3_000);
        assert!(summary.returns > 0 && summary.potential_customers > 0);
    }

    /// Undoes the normalisable dirt of one line: quotes, currency markers, separators inside
    /// the amount, full-width digits, other date forms.
    fn normalise(line: &str) -> String {
        let mut fields: Vec<String> = Vec::new();
        let mut rest = line;
        while !rest.is_empty() || fields.len() < 11 {
            let (field, tail) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').expect("closing quote");
                (
                    quoted[..end].to_string(),
                    quoted[end + 1..].strip_prefix(',').unwrap_or(""),
                )
            } else {
                let (field, tail) = rest.split_once(',').unwrap_or((rest, ""));
                (field.to_string(), tail)
            };
            fields.push(field);
            rest = tail;
            if rest.is_empty() && fields.len() >= 11 {
                break;
            }
        }
        let ascii = |s: &str| -> String {
            s.chars()
                .map(|c| match c {
                    '\u{FF10}'..='\u{FF19}' => char::from(b'0' + (c as u32 - 0xFF10) as u8),
                    other => other,
                })
                .collect()
        };
        fields[3] = ascii(&fields[3]).replace(['¥', '元', ','], "");
        if fields[2].contains('/') || fields[2].contains('年') {
            let parts: Vec<u32> = fields[2]
                .split(['/', '年', '月', '日'])
                .filter(|p| !p.is_empty())
                .map(|p| p.parse().expect("date part"))
                .collect();
            fields[2] = format!("{:04}-{:02}-{:02}", parts[0], parts[1], parts[2]);
        }
        fields.join(",")
    }

    #[test]
    fn dirt_is_where_dirt_csv_says_and_hides_exactly_the_clean_rows() {
        for lang in [Lang::Zh, Lang::En] {
            let params = GenParams {
                customers: 2_000,
                dirt: DirtLevel::Heavy,
                lang,
                ..GenParams::default()
            };
            let (dirty_dir, summary) = run(&params, &[OutputFormat::Csv]);
            let (clean_dir, clean_summary) = run(
                &GenParams {
                    dirt: DirtLevel::None,
                    ..params.clone()
                },
                &[OutputFormat::Csv],
            );
            let dirty = read(dirty_dir.path().join("transactions.csv"));
            let clean = read(clean_dir.path().join("transactions.csv"));
            let lines: Vec<&str> = dirty.split('\n').collect();
            assert_eq!(lines.last(), Some(&""), "file ends with a line end");
            let lines = &lines[..lines.len() - 1];
            assert_eq!(lines.len() as u64, summary.csv_lines);

            let records = read(dirty_dir.path().join("truth/dirt.csv"));
            let mut records = records.lines();
            assert_eq!(records.next(), Some("file,line,kind,expected"));
            let mut verdicts = BTreeMap::new();
            let mut kinds = BTreeSet::new();
            for record in records {
                let f: Vec<&str> = record.split(',').collect();
                let number: usize = f[1].parse().expect("line number");
                assert_eq!(f[0], "transactions.csv");
                let (line, before) = (lines[number - 1], lines[number - 2]);
                match f[2] {
                    "duplicate_row" => assert_eq!(line, before),
                    "blank_line" => assert_eq!(line, ""),
                    "summary_row" => {
                        assert_eq!(number, lines.len());
                        assert!(
                            line.starts_with(if lang == Lang::Zh {
                                "合计,"
                            } else {
                                "Total,"
                            }),
                            "{line}"
                        );
                    }
                    "missing_customer_id" => {
                        assert_eq!(line, &before[before.find(',').expect("comma")..])
                    }
                    "invalid_date" => {
                        let date = line.split(',').nth(2).expect("date");
                        assert!(
                            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err(),
                            "{line}"
                        );
                    }
                    "currency_symbol" => {
                        assert!(line.contains('¥') || line.contains('元'), "{line}")
                    }
                    "full_width_digits" => assert!(
                        line.chars().any(|c| ('\u{FF10}'..='\u{FF19}').contains(&c)),
                        "{line}"
                    ),
                    "date_format" => assert!(line.contains('/') || line.contains('年'), "{line}"),
                    other => panic!("unknown kind {other}"),
                }
                kinds.insert(f[2].to_string());
                verdicts.insert(number, f[3].to_string());
            }
            assert_eq!(kinds.len(), 8, "{kinds:?}");
            assert_eq!(verdicts.len() as u64, summary.dirty_lines);
            // Heavy: about 5% of rows get dirt.
            let share = summary.dirty_lines as f64 / summary.transaction_rows as f64;
            assert!((0.04..0.06).contains(&share), "{share}");

            // Dropping what is quarantined or skipped and normalising the rest gives back the
            // clean file, line for line.
            let recovered: Vec<String> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| verdicts.get(&(i + 1)).is_none_or(|v| v == "normalised"))
                .map(|(i, line)| {
                    if i == 0 {
                        line.to_string()
                    } else {
                        normalise(line)
                    }
                })
                .collect();
            let clean_lines: Vec<&str> = clean.lines().collect();
            assert_eq!(recovered.len(), clean_lines.len());
            for (got, want) in recovered.iter().zip(&clean_lines) {
                assert_eq!(got, want);
            }
            assert_eq!(summary.transaction_rows, clean_summary.transaction_rows);
            let truth =
                |dir: &tempfile::TempDir| read(dir.path().join("truth/customers_truth.csv"));
            assert_eq!(truth(&dirty_dir), truth(&clean_dir));
        }
    }

    #[test]
    fn row_target_gives_exactly_that_many_rows() {
        let params = GenParams {
            rows: Some(4_321),
            dirt: DirtLevel::None,
            with_feedback: false,
            ..GenParams::default()
        };
        let (dir, summary) = run(&params, &[OutputFormat::Csv]);
        assert_eq!(summary.transaction_rows, 4_321);
        assert_eq!(
            read(dir.path().join("transactions.csv")).lines().count(),
            4_322
        );
        assert!(!dir.path().join("feedback.csv").exists());
    }

    #[test]
    fn parquet_holds_the_same_rows_as_the_csv() {
        use arrow::array::{Array, Decimal128Array, StringArray};
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

        let params = GenParams {
            customers: 1_000,
            dirt: DirtLevel::None,
            lang: Lang::Zh,
            ..GenParams::default()
        };
        let (dir, summary) = run(&params, &[OutputFormat::Csv, OutputFormat::Parquet]);
        let csv = read(dir.path().join("transactions.csv"));
        let file = File::open(dir.path().join("transactions.parquet")).expect("parquet");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("reader")
            .build()
            .expect("batches");
        let mut rows = 0;
        let mut csv_lines = csv.lines().skip(1);
        for batch in reader {
            let batch = batch.expect("batch");
            assert_eq!(batch.schema().field(3).name(), "实付金额");
            let ids = batch
                .column(0)
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("ids");
            let amounts = batch
                .column(3)
                .as_any()
                .downcast_ref::<Decimal128Array>()
                .expect("amounts");
            for i in 0..batch.num_rows() {
                let line = csv_lines.next().expect("as many CSV rows");
                let f: Vec<&str> = line.split(',').collect();
                assert_eq!(
                    (ids.value(i), amounts.value_as_string(i)),
                    (f[0], f[3].to_string())
                );
            }
            rows += batch.num_rows() as u64;
            assert_eq!(amounts.null_count(), 0);
        }
        assert_eq!(rows, summary.transaction_rows);
        assert!(dir.path().join("truth/customers_truth.parquet").exists());
    }

    #[test]
    fn chinese_files_have_chinese_headers_and_feedback_follows_the_truth() {
        let params = GenParams {
            customers: 4_000,
            lang: Lang::Zh,
            ..GenParams::default()
        };
        let (dir, summary) = run(&params, &[OutputFormat::Csv]);
        let header = |file: &str| {
            read(dir.path().join(file))
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            header("transactions.csv"),
            "客户编号,订单编号,下单时间,实付金额,数量,单价,商品编号,品类,渠道,区域,优惠金额"
        );
        assert_eq!(
            header("customers.csv"),
            "客户编号,注册日期,姓名,手机号,性别,出生日期,城市,区域,客户经理"
        );
        assert_eq!(
            header("feedback.csv"),
            "客户编号,反馈日期,满意度,NPS,类型,内容"
        );
        assert_eq!(
            read(dir.path().join("customers.csv")).lines().count() as u64,
            summary.customers + 1
        );

        let truth = read(dir.path().join("truth/customers_truth.csv"));
        let alive: BTreeMap<String, bool> = truth
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[0].to_string(), f[2] == "true")
            })
            .collect();
        let (mut sums, mut counts) = ([0.0; 2], [0.0; 2]);
        let feedback = read(dir.path().join("feedback.csv"));
        for line in feedback.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 6);
            let csat: f64 = f[2].parse().expect("csat");
            assert!((1.0..=5.0).contains(&csat));
            assert!(
                f[4] == "问卷" || (f[4] == "投诉" && f[3].is_empty()),
                "{line}"
            );
            let i = usize::from(alive[f[0]]);
            sums[i] += csat;
            counts[i] += 1.0;
        }
        assert_eq!(counts[0] + counts[1], summary.feedback_rows as f64);
        assert!(
            sums[1] / counts[1] > sums[0] / counts[0] + 0.5,
            "alive customers are happier"
        );
        let json: serde_json::Value =
            serde_json::from_str(&read(dir.path().join("truth/params.json"))).expect("json");
        assert_eq!(json["params"]["seed"], params.seed);
        assert_eq!(
            json["params"]["model"]["alpha"],
            TruthModel::default().alpha
        );
        assert_eq!(json["counts"]["orders"], summary.orders);
    }

    /// The scale check, off unless asked for:
    /// `KEHU_SYNTH_SCALE=1000000 cargo test --release -p kehu-synth scale -- --nocapture`.
    #[test]
    #[allow(clippy::print_stderr, reason = "reports the timing of an opt-in check")]
    fn scale() {
        let Some(customers) = std::env::var("KEHU_SYNTH_SCALE")
            .ok()
            .and_then(|n| n.parse().ok())
        else {
            return;
        };
        let params = GenParams {
            customers,
            ..GenParams::default()
        };
        for formats in [
            &[OutputFormat::Csv][..],
            &[OutputFormat::Csv, OutputFormat::Parquet],
        ] {
            let dir = tempfile::tempdir().expect("temp dir");
            let start = std::time::Instant::now();
            let summary = generate(&params, dir.path(), formats).expect("generate");
            let seconds = start.elapsed().as_secs_f64();
            eprintln!(
                "{customers} customers, {formats:?}: {} rows in {seconds:.2} s",
                summary.transaction_rows
            );
            assert!(seconds < 60.0);
        }
    }

    #[test]
    fn refuses_bad_arguments() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            generate(&GenParams::default(), dir.path(), &[]),
            Err(SynthError::InvalidParams {
                field: "formats",
                ..
            })
        ));
    }
}

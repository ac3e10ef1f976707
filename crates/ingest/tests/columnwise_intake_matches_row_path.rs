//! Parquet batches and blocks of simple CSV records take three paths: whole blocks of plain
//! rows become canonical batches straight from their arrays, plain runs of other blocks are
//! appended column by column, and every other row is validated one by one. Whatever path a row
//! takes, the import must be what the row path alone makes of the same rows. The oracle is the
//! same table written as CSV with every field quoted: a quoted record is never simple, so all
//! of it takes the row path. Compared: the accepted values, the counts, the notes, the
//! quarantine and the duplicates.

use arrow::array::{
    Array, ArrayRef, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringArray,
};
use arrow::util::display::array_value_to_string;
use kehu_ingest::{DuplicatePolicy, Import, ImportOptions, SOURCE_LINE, import_file};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use std::fmt::Write;
use std::sync::Arc;

/// More than three of the Parquet reader's 65,536-row batches, in two row groups.
const ROWS: usize = 200_000;

struct Table {
    customer: Vec<Option<String>>,
    order: Vec<Option<i64>>,
    day: Vec<Option<i32>>,
    cents: Vec<Option<i128>>,
    category: Vec<Option<String>>,
}

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Clean rows, except in the second and the last batch, which hold every kind of cell the
/// column-wise checks must hand to the row path; rows of the third batch repeat earlier ones.
fn table() -> Table {
    let mut rng = Rng(0x5eed_0001);
    let mut t = Table {
        customer: Vec::new(),
        order: Vec::new(),
        day: Vec::new(),
        cents: Vec::new(),
        category: Vec::new(),
    };
    let categories = ["food", "toys", "books", "家居", "home and garden"];
    for i in 0..ROWS {
        if (131_072..196_608).contains(&i) && i % 97 == 0 {
            let j = rng.below(100_000) as usize;
            t.customer.push(t.customer[j].clone());
            t.order.push(t.order[j]);
            t.day.push(t.day[j]);
            t.cents.push(t.cents[j]);
            t.category.push(t.category[j].clone());
            continue;
        }
        let mut customer = Some(format!("C{:06}", rng.below(30_000)));
        let mut order = Some(i64::try_from(i / 2).expect("small"));
        // 2021-01-01 + up to four years.
        let mut day = Some(18_628 + rng.below(1_460) as i32);
        let mut cents = Some(i128::from(100 + rng.below(50_000)));
        let mut category = Some(categories[rng.below(5) as usize].to_string());
        let dirty = (65_536..131_072).contains(&i) || i >= 196_608;
        if dirty && i % 53 == 0 {
            match rng.below(14) {
                0 => customer = customer.map(|c| format!(" {c}")),
                1 => customer = None,
                2 => customer = Some("Total".into()),
                3 => customer = Some("1234567890123000".into()),
                4 => customer = Some("1.5E+10".into()),
                5 => order = None,
                6 => cents = cents.map(|c| -c),
                7 => day = Some(-25_000),
                8 => category = Some("合计".into()),
                9 => category = Some("toys ".into()),
                10 => category = Some(String::new()),
                11 => customer = customer.map(|c| format!("{}.0", &c[1..])),
                12 => customer = customer.map(|c| format!("'{}", &c[1..])),
                _ => cents = None,
            }
        }
        t.customer.push(customer);
        t.order.push(order);
        t.day.push(day);
        t.cents.push(cents);
        t.category.push(category);
    }
    t
}

fn write_parquet(t: &Table, path: &std::path::Path) {
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "customer_id",
            Arc::new(StringArray::from(t.customer.clone())),
        ),
        ("order_id", Arc::new(Int64Array::from(t.order.clone()))),
        ("order_date", Arc::new(Date32Array::from(t.day.clone()))),
        (
            "amount",
            Arc::new(
                Decimal128Array::from(t.cents.clone())
                    .with_precision_and_scale(12, 2)
                    .expect("decimal"),
            ),
        ),
        ("category", Arc::new(StringArray::from(t.category.clone()))),
    ];
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(100_000))
        .build();
    let file = std::fs::File::create(path).expect("create");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

/// How a CSV copy of the table is written.
#[derive(Clone, Copy)]
struct CsvForm {
    /// Every field in quotes: the row path only.
    quoted: bool,
    /// Some cells of the dirty blocks in forms only the row path reads (a currency word or sign,
    /// slashes in dates, times, padding, more decimals than money keeps).
    text_dirt: bool,
}

fn write_csv(t: &Table, path: &std::path::Path, form: CsvForm) {
    let mut s = String::from("customer_id,order_id,order_date,amount,category\n");
    let cell = |v: &Option<String>| v.clone().unwrap_or_default();
    for i in 0..ROWS {
        let mut day = t.day[i].map_or(String::new(), |d| {
            let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")
                + chrono::Duration::days(i64::from(d));
            date.format("%Y-%m-%d").to_string()
        });
        let mut amount = t.cents[i].map_or(String::new(), |c| {
            let sign = if c < 0 { "-" } else { "" };
            format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
        });
        let dirty = (65_536..131_072).contains(&i) || i >= 196_608;
        if form.text_dirt && dirty && i % 31 == 0 {
            match (i / 31) % 8 {
                0 => amount = format!("{amount}元"),
                1 => day = day.replace('-', "/"),
                2 => day.push_str(" 10:30:00"),
                3 => amount = format!(" {amount}"),
                4 => amount = format!("¥{amount}"),
                5 => amount.push_str("678"),
                6 => day = format!("{day} "),
                _ => amount = amount.replace('.', ""),
            }
        }
        let order = t.order[i].map_or(String::new(), |o| o.to_string());
        let fields = [
            cell(&t.customer[i]),
            order,
            day,
            amount,
            cell(&t.category[i]),
        ];
        let fields: Vec<String> = if form.quoted {
            fields.iter().map(|f| format!("\"{f}\"")).collect()
        } else {
            fields.to_vec()
        };
        writeln!(s, "{}", fields.join(",")).expect("write");
    }
    std::fs::write(path, s).expect("csv");
}

/// Every accepted value as text, row by row, with the source line made a data row number
/// (a CSV's line 1 is its header).
fn rows(import: &Import, line_offset: u64) -> Vec<String> {
    let mut out = Vec::new();
    for b in &import.batches {
        for i in 0..b.num_rows() {
            let mut row = String::new();
            for (c, field) in b.schema().fields().iter().enumerate() {
                let column = b.column(c);
                if field.name() == SOURCE_LINE {
                    let line: u64 = array_value_to_string(column, i)
                        .expect("line")
                        .parse()
                        .expect("number");
                    row.push_str(&(line - line_offset).to_string());
                } else if column.is_null(i) {
                    row.push('∅');
                } else {
                    row.push_str(&array_value_to_string(column, i).expect("value"));
                }
                row.push('|');
            }
            out.push(row);
        }
    }
    out
}

/// Imports `file` and the row-path oracle with the same options and compares them; `offset` is
/// how many lines the oracle's rows start after `file`'s (a Parquet row 1 is a CSV's line 2).
fn compare(
    file: &std::path::Path,
    oracle: &std::path::Path,
    offset: u64,
    duplicates: DuplicatePolicy,
) {
    let options = ImportOptions {
        duplicates,
        ..ImportOptions::default()
    };
    let p = import_file(file, &options).expect("imports");
    let c = import_file(oracle, &options).expect("the oracle imports");
    let (pr, cr) = (&p.report, &c.report);
    assert_eq!(pr.quarantine_reasons, cr.quarantine_reasons, "{file:?}");
    assert_eq!(
        (pr.rows_seen, pr.accepted, pr.quarantined, pr.skipped_blank),
        (cr.rows_seen, cr.accepted, cr.quarantined, cr.skipped_blank)
    );
    assert!(
        pr.quarantined > 100,
        "the dirty batches quarantine rows: {pr:?}"
    );
    assert_eq!(pr.quarantine_reasons, cr.quarantine_reasons);
    assert_eq!(pr.warnings, cr.warnings);
    assert_eq!(pr.normalised, cr.normalised);
    let places = |i: &Import, offset: u64| -> Vec<(u64, String)> {
        i.quarantine
            .iter()
            .map(|q| (q.location.ordinal() - offset, q.reason.code().to_string()))
            .collect()
    };
    assert_eq!(places(&p, 0), places(&c, offset));
    let (pv, cv) = (rows(&p, 0), rows(&c, offset));
    assert_eq!(pv.len(), cv.len());
    for (k, (a, b)) in pv.iter().zip(&cv).enumerate() {
        assert_eq!(a, b, "accepted row {k}");
    }
}

fn both_policies(file: &std::path::Path, oracle: &std::path::Path, offset: u64) {
    compare(file, oracle, offset, DuplicatePolicy::default());
    compare(file, oracle, offset, DuplicatePolicy::Keep);
}

#[test]
fn parquet_paths_import_what_the_row_path_imports() {
    let t = table();
    let dir = tempfile::tempdir().expect("tmp");
    let (parquet, quoted) = (dir.path().join("t.parquet"), dir.path().join("q.csv"));
    write_parquet(&t, &parquet);
    let form = CsvForm {
        quoted: true,
        text_dirt: false,
    };
    write_csv(&t, &quoted, form);
    both_policies(&parquet, &quoted, 1);
}

#[test]
fn csv_paths_import_what_the_row_path_imports() {
    let t = table();
    let dir = tempfile::tempdir().expect("tmp");
    let (plain, quoted) = (dir.path().join("p.csv"), dir.path().join("q.csv"));
    for text_dirt in [false, true] {
        write_csv(
            &t,
            &plain,
            CsvForm {
                quoted: false,
                text_dirt,
            },
        );
        write_csv(
            &t,
            &quoted,
            CsvForm {
                quoted: true,
                text_dirt,
            },
        );
        both_policies(&plain, &quoted, 0);
    }
}

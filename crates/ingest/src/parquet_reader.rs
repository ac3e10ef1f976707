//! Reading a Parquet file into rows, one row group per thread.
//!
//! arrow-rs has repeatedly panicked on corrupt files instead of returning errors (truncated
//! metadata, RLE decoding, `pad_nulls`), so every call into the decoder runs under
//! [`std::panic::catch_unwind`] and a panic becomes `corrupt_parquet` like any decode error.
//! The default panic hook still prints the panic message to stderr.
//!
//! Cells borrow strings straight from the decoded Arrow arrays; the only per-row allocations
//! are the row's `Vec<Cell>` and whatever a non-text cell needs.

use crate::ImportError;
use crate::source::{Cell, Header, RawRow, RowSink, SinkFactory};
use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryViewArray, BooleanArray, Date32Array, Date64Array,
    Decimal128Array, Decimal256Array, FixedSizeBinaryArray, LargeBinaryArray, LargeStringArray,
    PrimitiveArray, StringArray, StringViewArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use kehu_domain::{Location, Reason};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Compression;
use rayon::prelude::*;
use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// What the Parquet reader found out about a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParquetInfo {
    /// Rows in the file, as its metadata declares them (and as read).
    pub rows: u64,
    /// Row groups in the file.
    pub row_groups: usize,
    /// Top-level columns with their Arrow types (`Utf8`, `Decimal128(18, 2)`, …).
    pub columns: Vec<(String, String)>,
    /// The compression codecs of the column chunks, comma-separated (`snappy`, `zstd`), or
    /// `none` when the file has no row groups.
    pub compression: String,
}

/// Rows decoded at a time.
const BATCH_SIZE: usize = 65_536;
/// Batches validated by one sink (512Ki rows).
const BATCHES_PER_SINK: usize = 8;
const MAGIC: &[u8; 4] = b"PAR1";
/// Days from 0001-01-01 (chrono's day 1 of the common era is 0001-01-01) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Reads a Parquet file.
///
/// The header is the list of top-level column names; its location is `Location::Row { row: 0 }`
/// (the schema, before row 1). Rows are read in parallel, one sink per run of up to eight
/// decoded batches (512Ki rows; at least one sink per row group) in file order, each row located by its
/// 1-based row number over the whole file. Sinks that judge rows column-wise
/// ([`RowSink::plain_rows`]) get runs of plain rows as slices of the batch. A row whose cells
/// are all null is sent as a blank.
///
/// Cells: strings (also dictionary-encoded and view strings) → [`Cell::Text`] borrowed from
/// the array; integers → [`Cell::Int`] (a `UInt64` above `i64::MAX` → [`Cell::Decimal`] with
/// scale 0); floats → [`Cell::Float`]; decimals → [`Cell::Decimal`]; `Date32`/`Date64` →
/// [`Cell::Date`]; timestamps of any unit → [`Cell::DateTime`]. Arrow stores timestamps with a
/// time zone as UTC instants, so such a timestamp becomes its UTC wall time; one without a
/// zone (including INT96, which arrow reads as nanoseconds) is taken as written. Binary is text
/// when it is UTF-8 and [`Cell::Error`] otherwise; other types (times, durations) are rendered
/// as text by Arrow's formatter.
///
/// Refuses the file with `empty_file`, `wrong_format` (no Parquet magic), `corrupt_parquet`
/// (a truncated or corrupt file, a decoder panic, a row count that does not match the
/// metadata), `unsupported_nested` (a list, struct, map or union column), or whatever
/// `prepare` returns.
pub fn read_parquet<F: SinkFactory>(
    path: &Path,
    prepare: impl FnOnce(&Header) -> Result<F, ImportError>,
) -> Result<(F, Vec<F::Sink>, ParquetInfo), ImportError> {
    let file = open(path)?;
    check_magic(path, &file)?;
    let metadata = guarded(path, || {
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
    })?;
    let schema = metadata.schema().clone();

    let nested: Vec<String> = schema
        .fields()
        .iter()
        .filter(|f| f.data_type().is_nested())
        .map(|f| format!("`{}` ({})", f.name(), f.data_type()))
        .collect();
    if let Some(first) = schema.fields().iter().find(|f| f.data_type().is_nested()) {
        return Err(ImportError::new(
            path,
            Reason::UnsupportedNested,
            format!(
                "nested, list, struct and map columns are not supported: {}",
                nested.join(", ")
            ),
        )
        .column(first.name().clone())
        .hint(
            "flatten or drop these columns before exporting the file",
            "导出前请展开或删除这些列",
        ));
    }

    let row_groups = metadata.metadata().row_groups();
    let mut starts = Vec::with_capacity(row_groups.len());
    let mut rows: u64 = 0;
    for (i, rg) in row_groups.iter().enumerate() {
        let n = u64::try_from(rg.num_rows()).map_err(|_| {
            ImportError::new(
                path,
                Reason::CorruptParquet,
                format!("row group {i} declares {} rows", rg.num_rows()),
            )
        })?;
        starts.push((rows, n));
        rows = rows.saturating_add(n);
    }
    let mut codecs: Vec<&'static str> = Vec::new();
    for column in row_groups.iter().flat_map(|rg| rg.columns()) {
        let name = codec_name(column.compression());
        if !codecs.contains(&name) {
            codecs.push(name);
        }
    }
    let info = ParquetInfo {
        rows,
        row_groups: row_groups.len(),
        columns: schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().to_string()))
            .collect(),
        compression: if codecs.is_empty() {
            "none".to_string()
        } else {
            codecs.join(",")
        },
    };

    let header = Header {
        names: schema.fields().iter().map(|f| f.name().clone()).collect(),
        location: Location::Row { row: 0 },
    };
    let factory = prepare(&header)?;
    let sinks = starts
        .par_iter()
        .enumerate()
        .map(|(i, &(first_row, declared))| {
            let batches = read_row_group(path, &metadata, i, first_row, declared)?;
            // A sink per run of up to `BATCHES_PER_SINK` batches, in parallel: a file of one
            // row group (pyarrow writes up to 1Mi rows in one) would otherwise be validated on
            // one thread. Smaller sinks fragment the heap: one per 64Ki-row batch raised the
            // peak RSS of a 1e7-row import from 2.5 to 3.3 GB.
            let mut parts = Vec::new();
            let mut row = first_row;
            for part in batches.chunks(BATCHES_PER_SINK) {
                parts.push((part, row));
                row += part.iter().map(|b| b.num_rows() as u64).sum::<u64>();
            }
            let sinks = parts
                .into_par_iter()
                .map(|(part, mut row)| {
                    let mut sink = factory.sink();
                    sink.reserve(part.iter().map(RecordBatch::num_rows).sum());
                    let mut raw = String::new();
                    for batch in part {
                        // Arrays from a damaged file can hold out-of-range dictionary keys or
                        // offsets that only panic when a value is read.
                        guarded(path, || {
                            send_batch(batch, &mut row, &mut raw, &mut sink);
                            Ok::<(), std::convert::Infallible>(())
                        })?;
                    }
                    Ok(sink)
                })
                .collect::<Result<Vec<_>, ImportError>>()?;
            Ok(if sinks.is_empty() {
                vec![factory.sink()]
            } else {
                sinks
            })
        })
        .collect::<Result<Vec<Vec<_>>, ImportError>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok((factory, sinks, info))
}

fn open(path: &Path) -> Result<File, ImportError> {
    File::open(path).map_err(|e| {
        ImportError::new(
            path,
            Reason::Unreadable,
            format!("cannot read the file: {e}"),
        )
    })
}

fn check_magic(path: &Path, file: &File) -> Result<(), ImportError> {
    let io = |e: std::io::Error| {
        ImportError::new(
            path,
            Reason::Unreadable,
            format!("cannot read the file: {e}"),
        )
    };
    let len = file.metadata().map_err(io)?.len();
    if len == 0 {
        return Err(ImportError::new(
            path,
            Reason::EmptyFile,
            "the file is empty",
        ));
    }
    let mut reader = file;
    let mut head = [0u8; 4];
    let got = reader.read(&mut head).map_err(io)?;
    if got < 4 || &head != MAGIC {
        return Err(ImportError::new(
            path,
            Reason::WrongFormat,
            "a Parquet file starts with `PAR1`; this one does not",
        ));
    }
    let mut tail = [0u8; 4];
    // 4 bytes of magic, 4 of footer length, 4 of magic: anything shorter cannot be whole.
    if len >= 12 {
        reader.seek(SeekFrom::End(-4)).map_err(io)?;
        reader.read_exact(&mut tail).map_err(io)?;
    }
    if &tail == b"PARE" {
        return Err(ImportError::new(
            path,
            Reason::CorruptParquet,
            "the file's footer is encrypted",
        )
        .hint(
            "export the file without Parquet encryption",
            "请导出不加密的 Parquet 文件",
        ));
    }
    if &tail != MAGIC {
        return Err(ImportError::new(
            path,
            Reason::CorruptParquet,
            "the file does not end with `PAR1`: it is truncated",
        )
        .hint("copy or export the file again", "请重新复制或导出该文件"));
    }
    Ok(())
}

/// Runs a decoder call, turning both its errors and its panics into `corrupt_parquet`.
fn guarded<T, E: std::fmt::Display>(
    path: &Path,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, ImportError> {
    let corrupt = |message: String| {
        ImportError::new(path, Reason::CorruptParquet, message)
            .hint("copy or export the file again", "请重新复制或导出该文件")
    };
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(corrupt(format!("the file cannot be decoded: {e}"))),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(corrupt(format!("the decoder failed on this file: {what}")))
        }
    }
}

fn read_row_group(
    path: &Path,
    metadata: &ArrowReaderMetadata,
    index: usize,
    first_row: u64,
    declared: u64,
) -> Result<Vec<RecordBatch>, ImportError> {
    // Each thread opens its own handle: `File::try_clone` shares the seek position, and
    // parquet's `ChunkReader for File` seeks a clone.
    let file = open(path)?;
    let mut reader = guarded(path, || {
        ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
            .with_row_groups(vec![index])
            .with_batch_size(BATCH_SIZE)
            .build()
    })?;
    let mut batches = Vec::new();
    let mut read = 0;
    loop {
        let Some(batch) = guarded(path, || reader.next().transpose())? else {
            break;
        };
        read += batch.num_rows() as u64;
        batches.push(batch);
    }
    if read != declared {
        return Err(ImportError::new(
            path,
            Reason::CorruptParquet,
            format!("row group {index} declares {declared} rows but holds {read}"),
        )
        .at(Location::Row { row: first_row + 1 }));
    }
    Ok(batches)
}

fn send_batch(batch: &RecordBatch, row: &mut u64, raw: &mut String, sink: &mut impl RowSink) {
    let columns: Vec<Column<'_>> = batch.columns().iter().map(Column::new).collect();
    let plain = sink.plain_rows(batch);
    // Plain rows are fingerprinted from their values where arrow's row format takes the
    // batch's types, else from their text as the row path does.
    let typed = plain
        .as_ref()
        .and_then(|_| crate::row_fingerprint::typed_fingerprints(batch));
    let mut fingerprints: Vec<u128> = Vec::new();
    let rows = batch.num_rows();
    let mut i = 0;
    while i < rows {
        if let Some(plain) = plain.as_deref().filter(|p| p[i]) {
            // A run of rows the sink takes column-wise: only their fingerprints are made here.
            let start = i;
            while i < rows && plain[i] {
                i += 1;
            }
            fingerprints.clear();
            let run: &[u128] = match &typed {
                Some(typed) => &typed[start..i],
                None => {
                    for r in start..i {
                        raw.clear();
                        for (k, column) in columns.iter().enumerate() {
                            if k > 0 {
                                raw.push(',');
                            }
                            push_text(raw, &column.cell(r));
                        }
                        fingerprints.push(xxhash_rust::xxh3::xxh3_128(raw.as_bytes()));
                    }
                    &fingerprints
                }
            };
            let first = Location::Row { row: *row + 1 };
            sink.plain_run(batch, start..i, first, run);
            *row += (i - start) as u64;
            continue;
        }
        *row += 1;
        let location = Location::Row { row: *row };
        let cells: Vec<Cell<'_>> = columns.iter().map(|c| c.cell(i)).collect();
        i += 1;
        if cells.iter().all(|c| matches!(c, Cell::Empty)) {
            sink.blank(location);
            continue;
        }
        raw.clear();
        for (k, cell) in cells.iter().enumerate() {
            if k > 0 {
                raw.push(',');
            }
            push_text(raw, cell);
        }
        sink.row(RawRow {
            location,
            byte_offset: None,
            cells,
            raw: Cow::Borrowed(raw.as_str()),
            reader_notes: vec![],
        });
    }
}

/// Writes a cell's text as [`Cell::to_text`] would, without its allocations: rendering the
/// snippet text of every row is most of this reader's own cost.
fn push_text(out: &mut String, cell: &Cell<'_>) {
    match cell {
        Cell::Empty => {}
        Cell::Text(t) => out.push_str(t),
        Cell::Int(v) => push_integer(out, i128::from(*v), 0),
        Cell::Decimal { value, scale } if *scale >= 0 => {
            push_integer(out, *value, scale.unsigned_abs())
        }
        Cell::Date(d) => push_date(out, *d),
        Cell::DateTime(dt) => {
            push_date(out, dt.date());
            let t = dt.time();
            out.push(' ');
            push_two(out, t.hour());
            out.push(':');
            push_two(out, t.minute());
            out.push(':');
            push_two(out, t.second());
        }
        Cell::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Cell::Error(e) => out.push_str(e),
        Cell::Float(_) | Cell::Decimal { .. } => out.push_str(&cell.to_text()),
    }
}

/// `value × 10^-scale` in plain decimal notation.
fn push_integer(out: &mut String, value: i128, scale: u8) {
    let mut digits = [b'0'; 48];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    let scale = usize::from(scale);
    // 128-bit division is a library call; almost every value fits 64 bits.
    let mut small = u64::try_from(rest).unwrap_or(0);
    if small > 0 {
        rest = 0;
    }
    while rest > 0 {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if let Ok(fits) = u64::try_from(rest) {
            small = fits;
            rest = 0;
        }
    }
    while small > 0 || digits.len() - at <= scale {
        at -= 1;
        digits[at] = b'0' + (small % 10) as u8;
        small /= 10;
    }
    if value < 0 {
        out.push('-');
    }
    let text = std::str::from_utf8(&digits[at..]).unwrap_or_default();
    let (whole, frac) = text.split_at(text.len() - scale);
    out.push_str(whole);
    if scale > 0 {
        out.push('.');
        out.push_str(frac);
    }
}

fn push_date(out: &mut String, d: NaiveDate) {
    if !(0..=9999).contains(&d.year()) {
        out.push_str(&d.to_string());
        return;
    }
    let y = d.year() as u32;
    push_two(out, y / 100);
    push_two(out, y % 100);
    out.push('-');
    push_two(out, d.month());
    out.push('-');
    push_two(out, d.day());
}

fn push_two(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// One column of a batch, downcast once so that reading a cell is a match and an index.
struct Column<'a> {
    nulls: Option<NullBuffer>,
    values: Values<'a>,
}

enum Values<'a> {
    Null,
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    Binary(&'a BinaryArray),
    LargeBinary(&'a LargeBinaryArray),
    BinaryView(&'a BinaryViewArray),
    FixedBinary(&'a FixedSizeBinaryArray),
    Bool(&'a BooleanArray),
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
    F16(&'a PrimitiveArray<Float16Type>),
    F32(&'a PrimitiveArray<Float32Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    Dec128(&'a Decimal128Array, i8),
    Dec256(&'a Decimal256Array, i8),
    Date32(&'a Date32Array),
    Date64(&'a Date64Array),
    Timestamp(&'a [i64], TimeUnit),
    Dictionary {
        keys: Vec<usize>,
        values: Box<Values<'a>>,
    },
    Formatted(ArrayFormatter<'a>),
}

impl<'a> Column<'a> {
    fn new(array: &'a ArrayRef) -> Self {
        Column {
            nulls: array.logical_nulls(),
            values: Values::new(array.as_ref()),
        }
    }

    fn cell(&self, i: usize) -> Cell<'a> {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            return Cell::Empty;
        }
        self.values.cell(i)
    }
}

fn prim<T: ArrowPrimitiveType>(array: &dyn Array) -> &PrimitiveArray<T> {
    array.as_primitive::<T>()
}

impl<'a> Values<'a> {
    fn new(array: &'a dyn Array) -> Self {
        match array.data_type() {
            DataType::Null => Values::Null,
            DataType::Utf8 => Values::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Values::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Values::Utf8View(array.as_string_view()),
            DataType::Binary => Values::Binary(array.as_binary::<i32>()),
            DataType::LargeBinary => Values::LargeBinary(array.as_binary::<i64>()),
            DataType::BinaryView => Values::BinaryView(array.as_binary_view()),
            DataType::FixedSizeBinary(_) => Values::FixedBinary(array.as_fixed_size_binary()),
            DataType::Boolean => Values::Bool(array.as_boolean()),
            DataType::Int8 => Values::I8(prim(array)),
            DataType::Int16 => Values::I16(prim(array)),
            DataType::Int32 => Values::I32(prim(array)),
            DataType::Int64 => Values::I64(prim(array)),
            DataType::UInt8 => Values::U8(prim(array)),
            DataType::UInt16 => Values::U16(prim(array)),
            DataType::UInt32 => Values::U32(prim(array)),
            DataType::UInt64 => Values::U64(prim(array)),
            DataType::Float16 => Values::F16(prim(array)),
            DataType::Float32 => Values::F32(prim(array)),
            DataType::Float64 => Values::F64(prim(array)),
            DataType::Decimal128(_, scale) => Values::Dec128(prim(array), *scale),
            DataType::Decimal256(_, scale) => Values::Dec256(prim(array), *scale),
            DataType::Date32 => Values::Date32(prim(array)),
            DataType::Date64 => Values::Date64(prim(array)),
            DataType::Timestamp(unit, _) => {
                let values: &[i64] = match unit {
                    TimeUnit::Second => prim::<TimestampSecondType>(array).values(),
                    TimeUnit::Millisecond => prim::<TimestampMillisecondType>(array).values(),
                    TimeUnit::Microsecond => prim::<TimestampMicrosecondType>(array).values(),
                    TimeUnit::Nanosecond => prim::<TimestampNanosecondType>(array).values(),
                };
                Values::Timestamp(values, *unit)
            }
            DataType::Dictionary(_, _) => {
                let dict = array.as_any_dictionary();
                Values::Dictionary {
                    keys: dict.normalized_keys(),
                    values: Box::new(Values::new(dict.values().as_ref())),
                }
            }
            _ => match ArrayFormatter::try_new(array, &FormatOptions::default()) {
                Ok(f) => Values::Formatted(f),
                Err(_) => Values::Null,
            },
        }
    }

    fn cell(&self, i: usize) -> Cell<'a> {
        match self {
            Values::Null => Cell::Empty,
            Values::Utf8(a) => Cell::Text(Cow::Borrowed(a.value(i))),
            Values::LargeUtf8(a) => Cell::Text(Cow::Borrowed(a.value(i))),
            Values::Utf8View(a) => Cell::Text(Cow::Borrowed(a.value(i))),
            Values::Binary(a) => bytes_cell(a.value(i)),
            Values::LargeBinary(a) => bytes_cell(a.value(i)),
            Values::BinaryView(a) => bytes_cell(a.value(i)),
            Values::FixedBinary(a) => bytes_cell(a.value(i)),
            Values::Bool(a) => Cell::Bool(a.value(i)),
            Values::I8(a) => Cell::Int(i64::from(a.value(i))),
            Values::I16(a) => Cell::Int(i64::from(a.value(i))),
            Values::I32(a) => Cell::Int(i64::from(a.value(i))),
            Values::I64(a) => Cell::Int(a.value(i)),
            Values::U8(a) => Cell::Int(i64::from(a.value(i))),
            Values::U16(a) => Cell::Int(i64::from(a.value(i))),
            Values::U32(a) => Cell::Int(i64::from(a.value(i))),
            Values::U64(a) => {
                let v = a.value(i);
                i64::try_from(v).map_or(
                    Cell::Decimal {
                        value: i128::from(v),
                        scale: 0,
                    },
                    Cell::Int,
                )
            }
            Values::F16(a) => Cell::Float(a.value(i).to_f64()),
            Values::F32(a) => Cell::Float(f64::from(a.value(i))),
            Values::F64(a) => Cell::Float(a.value(i)),
            Values::Dec128(a, scale) => Cell::Decimal {
                value: a.value(i),
                scale: *scale,
            },
            Values::Dec256(a, scale) => match a.value(i).to_i128() {
                Some(value) => Cell::Decimal {
                    value,
                    scale: *scale,
                },
                None => Cell::Error(format!(
                    "decimal {} does not fit 38 digits",
                    a.value_as_string(i)
                )),
            },
            Values::Date32(a) => date_from_days(i64::from(a.value(i))),
            Values::Date64(a) => date_from_days(a.value(i).div_euclid(86_400_000)),
            Values::Timestamp(values, unit) => timestamp(values[i], *unit),
            Values::Dictionary { keys, values } => values.cell(keys[i]),
            Values::Formatted(f) => Cell::Text(Cow::Owned(f.value(i).to_string())),
        }
    }
}

fn bytes_cell(bytes: &[u8]) -> Cell<'_> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cell::Text(Cow::Borrowed(text)),
        Err(_) => Cell::Error(format!(
            "binary value of {} bytes is not UTF-8 text",
            bytes.len()
        )),
    }
}

fn date_from_days(days: i64) -> Cell<'static> {
    i32::try_from(days)
        .ok()
        .and_then(|d| d.checked_add(UNIX_EPOCH_DAYS_FROM_CE))
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .map_or_else(
            || Cell::Error(format!("date {days} days from 1970 is out of range")),
            Cell::Date,
        )
}

fn timestamp(value: i64, unit: TimeUnit) -> Cell<'static> {
    let (per_second, nanos_per_unit) = match unit {
        TimeUnit::Second => (1, 1_000_000_000),
        TimeUnit::Millisecond => (1_000, 1_000_000),
        TimeUnit::Microsecond => (1_000_000, 1_000),
        TimeUnit::Nanosecond => (1_000_000_000, 1),
    };
    let secs = value.div_euclid(per_second);
    let nanos = (value.rem_euclid(per_second) * nanos_per_unit) as u32;
    DateTime::from_timestamp(secs, nanos)
        .map(|dt| dt.naive_utc())
        .map_or_else(
            || Cell::Error(format!("timestamp {value} is out of range")),
            Cell::DateTime,
        )
}

fn codec_name(c: Compression) -> &'static str {
    match c {
        Compression::UNCOMPRESSED => "uncompressed",
        Compression::SNAPPY => "snappy",
        Compression::GZIP(_) => "gzip",
        Compression::LZO => "lzo",
        Compression::BROTLI(_) => "brotli",
        Compression::LZ4 => "lz4",
        Compression::ZSTD(_) => "zstd",
        Compression::LZ4_RAW => "lz4_raw",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonl::tests::{Event, Recording, events, text};
    use arrow::array::{
        DictionaryArray, Int64Array, ListArray, StringArray, TimestampMicrosecondArray,
        TimestampSecondArray,
    };
    use chrono::NaiveDateTime;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    fn write(
        dir: &tempfile::TempDir,
        columns: Vec<(&str, ArrayRef)>,
        rows_per_group: usize,
    ) -> std::path::PathBuf {
        let path = dir.path().join("t.parquet");
        let batch = RecordBatch::try_from_iter(columns).expect("batch");
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(rows_per_group))
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(
            File::create(&path).expect("create"),
            batch.schema(),
            Some(props),
        )
        .expect("writer");
        writer.write(&batch).expect("write");
        writer.close().expect("close");
        path
    }

    fn read(path: &Path) -> Result<(Header, Vec<Vec<Event>>, ParquetInfo), ImportError> {
        let mut header = None;
        let (_, sinks, info) = read_parquet(path, |h| {
            header = Some(h.clone());
            Ok(Recording)
        })?;
        Ok((
            header.expect("prepare was called"),
            sinks.into_iter().map(|s| events(vec![s])).collect(),
            info,
        ))
    }

    #[test]
    fn typed_columns_become_typed_cells_one_sink_per_row_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let decimals = Decimal128Array::from(vec![Some(1990), None, Some(-5)])
            .with_precision_and_scale(18, 2)
            .expect("decimal");
        let dictionary: DictionaryArray<Int32Type> = vec!["a", "b", "a"].into_iter().collect();
        let path = write(
            &dir,
            vec![
                (
                    "id",
                    Arc::new(StringArray::from(vec![Some("C1"), None, Some("C3")])) as ArrayRef,
                ),
                ("amount", Arc::new(decimals)),
                (
                    "day",
                    Arc::new(Date32Array::from(vec![Some(19_796), None, Some(0)])),
                ),
                (
                    "at",
                    Arc::new(
                        TimestampMicrosecondArray::from(vec![
                            Some(1_710_000_000_123_456),
                            None,
                            Some(-1),
                        ])
                        .with_timezone("+08:00"),
                    ),
                ),
                (
                    "n",
                    Arc::new(Int64Array::from(vec![Some(7), None, Some(i64::MIN)])),
                ),
                (
                    "ok",
                    Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
                ),
                ("tag", Arc::new(dictionary)),
            ],
            2,
        );
        let (header, sinks, info) = read(&path).expect("reads");
        assert_eq!(
            header.names,
            ["id", "amount", "day", "at", "n", "ok", "tag"]
        );
        assert_eq!(header.location, Location::Row { row: 0 });
        assert_eq!(
            (info.rows, info.row_groups, info.compression.as_str()),
            (3, 2, "snappy")
        );
        assert_eq!(
            info.columns[1],
            ("amount".to_string(), "Decimal128(18, 2)".to_string())
        );
        assert_eq!(info.columns[3].1, "Timestamp(µs, \"+08:00\")");
        assert_eq!(sinks.len(), 2);
        let Event::Row {
            location,
            cells,
            raw,
        } = &sinks[0][0]
        else {
            panic!("{:?}", sinks[0])
        };
        assert_eq!(*location, Location::Row { row: 1 });
        let dt =
            |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("datetime");
        assert_eq!(
            cells,
            &[
                text("C1"),
                Cell::Decimal {
                    value: 1990,
                    scale: 2
                },
                Cell::Date(NaiveDate::from_ymd_opt(2024, 3, 14).expect("date")),
                // The UTC wall time of the instant, whatever the zone.
                Cell::DateTime(dt("2024-03-09 16:00:00.123456")),
                Cell::Int(7),
                Cell::Bool(true),
                text("a"),
            ]
        );
        assert_eq!(raw, "C1,19.90,2024-03-14,2024-03-09 16:00:00,7,true,a");
        // Row 2 is all nulls except the dictionary column.
        let Event::Row { cells, .. } = &sinks[0][1] else {
            panic!("{:?}", sinks[0])
        };
        assert_eq!(
            cells[..6],
            [
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty
            ]
        );
        let Event::Row {
            location, cells, ..
        } = &sinks[1][0]
        else {
            panic!("{:?}", sinks[1])
        };
        assert_eq!(*location, Location::Row { row: 3 });
        assert_eq!(
            cells[2],
            Cell::Date(NaiveDate::from_ymd_opt(1970, 1, 1).expect("date"))
        );
        assert_eq!(cells[3], Cell::DateTime(dt("1969-12-31 23:59:59.999999")));
        assert_eq!(cells[4], Cell::Int(i64::MIN));
    }

    #[test]
    fn all_null_rows_are_blank_and_odd_types_are_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            &dir,
            vec![
                (
                    "a",
                    Arc::new(StringArray::from(vec![None, Some("x")])) as ArrayRef,
                ),
                (
                    "t",
                    Arc::new(TimestampSecondArray::from(vec![None, Some(0)])),
                ),
                (
                    "b",
                    Arc::new(BinaryArray::from(vec![None, Some(&[0xff_u8, 0xfe][..])])),
                ),
                (
                    "u",
                    Arc::new(PrimitiveArray::<UInt64Type>::from(vec![
                        None,
                        Some(u64::MAX),
                    ])),
                ),
            ],
            10,
        );
        let (_, sinks, _) = read(&path).expect("reads");
        assert_eq!(sinks[0][0], Event::Blank(Location::Row { row: 1 }));
        let Event::Row { cells, .. } = &sinks[0][1] else {
            panic!("{:?}", sinks[0])
        };
        assert_eq!(
            cells,
            &[
                text("x"),
                Cell::DateTime(dt0()),
                Cell::Error("binary value of 2 bytes is not UTF-8 text".into()),
                Cell::Decimal {
                    value: i128::from(u64::MAX),
                    scale: 0
                },
            ]
        );
    }

    fn dt0() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("epoch")
    }

    #[test]
    fn snippet_text_matches_cell_text() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let cells = [
            Cell::Int(0),
            Cell::Int(-42),
            Cell::Int(i64::MIN),
            Cell::Decimal {
                value: 1990,
                scale: 2,
            },
            Cell::Decimal {
                value: -5,
                scale: 3,
            },
            Cell::Decimal { value: 0, scale: 2 },
            Cell::Decimal {
                value: i128::MIN + 1,
                scale: 38,
            },
            Cell::Decimal {
                value: 12,
                scale: 0,
            },
            Cell::Decimal {
                value: 12,
                scale: -2,
            },
            Cell::Date(date(2024, 3, 9)),
            Cell::Date(date(7, 1, 1)),
            Cell::Date(date(-1, 12, 31)),
            Cell::Date(date(12345, 1, 1)),
            Cell::DateTime(
                date(1999, 12, 31)
                    .and_hms_nano_opt(23, 59, 58, 999_999_999)
                    .expect("time"),
            ),
            Cell::Float(0.1),
            Cell::Bool(false),
            text("文本"),
            Cell::Empty,
            Cell::Error("#N/A".into()),
        ];
        for cell in cells {
            let mut out = String::new();
            push_text(&mut out, &cell);
            assert_eq!(out, cell.to_text(), "{cell:?}");
        }
    }

    #[test]
    fn list_columns_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let list =
            ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), Some(2)])]);
        let path = write(
            &dir,
            vec![
                ("id", Arc::new(StringArray::from(vec!["C1"])) as ArrayRef),
                ("tags", Arc::new(list)),
            ],
            10,
        );
        let err = read(&path).expect_err("refused");
        assert_eq!(err.reason, Reason::UnsupportedNested);
        assert_eq!(err.column.as_deref(), Some("tags"));
    }

    #[test]
    fn truncated_and_damaged_files_are_corrupt_not_panics() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ids: Vec<String> = (0..5000).map(|i| format!("customer-{i}")).collect();
        let path = write(
            &dir,
            vec![("id", Arc::new(StringArray::from(ids)) as ArrayRef)],
            1000,
        );
        let whole = std::fs::read(&path).expect("read");

        std::fs::write(&path, &whole[..whole.len() / 2]).expect("write");
        assert_eq!(
            read(&path).expect_err("refused").reason,
            Reason::CorruptParquet
        );

        // The footer intact but its length pointing nowhere.
        let mut bad = whole.clone();
        let n = bad.len();
        bad[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
        std::fs::write(&path, &bad).expect("write");
        assert_eq!(
            read(&path).expect_err("refused").reason,
            Reason::CorruptParquet
        );

        // Garbage in the data pages, and in the footer, byte by byte.
        for at in [8, 100, 4000, n / 2, n - 40, n - 20, n - 12] {
            let mut bad = whole.clone();
            for b in &mut bad[at..(at + 16).min(n - 8)] {
                *b ^= 0x5a;
            }
            std::fs::write(&path, &bad).expect("write");
            if let Err(e) = read(&path) {
                assert!(matches!(e.reason, Reason::CorruptParquet), "{e}");
            }
        }

        // A small deterministic fuzz: every outcome is rows or a refusal, never a panic.
        let rounds: u64 = std::env::var("KEHU_PARQUET_FUZZ_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200);
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..rounds {
            let mut bad = whole.clone();
            for _ in 0..4 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let at = 4 + (state >> 33) as usize % (n - 12);
                bad[at] ^= (state >> 8) as u8 | 1;
            }
            std::fs::write(&path, &bad).expect("write");
            if let Err(e) = read(&path) {
                assert!(matches!(e.reason, Reason::CorruptParquet), "{e}");
            }
        }

        std::fs::write(&path, b"").expect("write");
        assert_eq!(read(&path).expect_err("refused").reason, Reason::EmptyFile);
        std::fs::write(&path, b"id,amount\n").expect("write");
        assert_eq!(
            read(&path).expect_err("refused").reason,
            Reason::WrongFormat
        );
    }
}

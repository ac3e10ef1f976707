//! Importing one file: format and encoding detection, reading, validation, merge, and the
//! refusal threshold.

use crate::chunk_builder::ChunkBuilder;
use crate::csv_reader::read_csv;
use crate::encoding::{DecodeError, decode};
use crate::error::ImportError;
use crate::import_report::{ImportReport, count_reasons, quarantine_examples};
use crate::mapping::resolve;
use crate::merge::{Merged, merge};
use crate::options::{ImportOptions, TableKind};
use crate::quarantine::QuarantineEntry;
use crate::row_validator::RowValidator;
use crate::source::Header;
use crate::{XlsxLimits, read_jsonl, read_parquet, read_xlsx};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use kehu_domain::{Location, Reason};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Decompressed `.gz` input larger than this is refused (a gzip bomb guard).
pub const MAX_DECOMPRESSED_BYTES: u64 = 32 << 30;

/// One imported file: its canonical rows, its quarantine and its report.
#[derive(Debug)]
pub struct Import {
    /// What happened.
    pub report: ImportReport,
    /// The canonical schema of `batches`.
    pub schema: SchemaRef,
    /// Accepted rows in file order.
    pub batches: Vec<RecordBatch>,
    /// Every quarantine entry, in file order.
    pub quarantine: Vec<QuarantineEntry>,
}

/// The format of a file, from its magic bytes first and its name second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
    Xlsx,
    Parquet,
}

/// Imports one file into its canonical table.
///
/// ```no_run
/// use kehu_ingest::{import_file, ImportOptions};
/// let import = import_file("data/online_retail.csv.gz".as_ref(), &ImportOptions::default())?;
/// let r = &import.report;
/// assert_eq!(r.rows_seen, r.accepted + r.quarantined + r.skipped_blank);
/// # Ok::<(), kehu_ingest::ImportError>(())
/// ```
pub fn import_file(path: &Path, options: &ImportOptions) -> Result<Import, ImportError> {
    let unreadable = |e: std::io::Error| {
        ImportError::new(
            path,
            Reason::Unreadable,
            format!("cannot read the file: {e}"),
        )
        .hint("check the path and permissions", "请检查路径和读取权限")
    };
    // A Parquet file is read by its reader from the path, column chunk by column chunk:
    // holding all its bytes besides cost their size in memory (526 MB at 5e7 rows), so only
    // its head is read here and the checksum streams the file.
    let mut head = Vec::with_capacity(8);
    std::fs::File::open(path)
        .and_then(|f| f.take(8).read_to_end(&mut head))
        .map_err(unreadable)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
    let parquet = !head.is_empty()
        && (head.starts_with(b"PAR1")
            || (!head.starts_with(&[0x1F, 0x8B]) && name.is_some_and(|n| n.ends_with(".parquet"))));
    if parquet {
        let bytes = std::fs::metadata(path).map_err(unreadable)?.len();
        return std::thread::scope(|scope| {
            let checksum = scope.spawn(|| streamed_sha256(path));
            let mut import = import_bytes(path, &head, options)?;
            import.report.bytes = bytes;
            import.report.sha256 = checksum.join().unwrap_or_default();
            Ok(import)
        });
    }
    let raw = std::fs::read(path).map_err(unreadable)?;
    if raw.is_empty() {
        return Err(ImportError::new(
            path,
            Reason::EmptyFile,
            "the file is empty (0 bytes)",
        ));
    }
    // The checksum is only reported, so it is computed beside the import, not before it.
    std::thread::scope(|scope| {
        let checksum = scope.spawn(|| hex(&Sha256::digest(&raw)));
        let mut import = import_bytes(path, &raw, options)?;
        import.report.sha256 = checksum.join().unwrap_or_default();
        Ok(import)
    })
}

/// Imports a file's bytes (the checksum is left empty for the caller to fill in).
/// The SHA-256 of a file, read in blocks (empty when it cannot be read: the import reports
/// that failure itself).
fn streamed_sha256(path: &Path) -> String {
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    loop {
        match file.read(&mut block) {
            Ok(0) => return hex(&hasher.finalize()),
            Ok(n) => hasher.update(&block[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return String::new(),
        }
    }
}

fn import_bytes(path: &Path, raw: &[u8], options: &ImportOptions) -> Result<Import, ImportError> {
    let sha256 = String::new();
    let bytes = raw.len() as u64;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (content, compression, inner_name) = if raw.starts_with(&[0x1F, 0x8B]) {
        (
            std::borrow::Cow::Owned(gunzip(path, raw)?),
            "gzip",
            name.trim_end_matches(".gz").to_string(),
        )
    } else {
        (std::borrow::Cow::Borrowed(raw), "none", name)
    };
    let format = detect_format(path, &content, &inner_name)?;
    let mut report = ImportReport {
        file: path.display().to_string(),
        sha256,
        bytes,
        format: match format {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
            Format::Xlsx => "xlsx",
            Format::Parquet => "parquet",
        },
        compression,
        kind: TableKind::Transactions,
        encoding: "binary".into(),
        bom: false,
        delimiter: None,
        dialect: None,
        sheet: None,
        mapping: Default::default(),
        mapping_detail: Vec::new(),
        amount_derived: false,
        order_id_derived: false,
        unmapped_columns: Vec::new(),
        extra_columns: Vec::new(),
        rows_seen: 0,
        accepted: 0,
        quarantined: 0,
        skipped_blank: 0,
        malformed: 0,
        quarantine_reasons: Default::default(),
        normalised: Default::default(),
        warnings: Default::default(),
        date_order: None,
        currency: None,
        quarantine_examples: Vec::new(),
        warning_examples: Vec::new(),
    };
    let prepare = |header: &Header| -> Result<RowValidator, ImportError> {
        let mapping = resolve(path, header, options)?;
        Ok(RowValidator::new(header.clone(), mapping, options))
    };
    let (validator, sinks): (RowValidator, Vec<ChunkBuilder>) = match format {
        Format::Xlsx => {
            let (v, sinks, info) = read_xlsx(
                path,
                options.sheet.as_deref(),
                &XlsxLimits::default(),
                prepare,
            )?;
            report.sheet = Some(info.sheet);
            (v, sinks)
        }
        Format::Parquet => {
            let (v, sinks, _) = read_parquet(path, prepare)?;
            (v, sinks)
        }
        Format::Csv | Format::JsonLines => {
            let decoded =
                decode(&content, options.encoding.as_deref()).map_err(|e| decode_error(path, e))?;
            report.encoding = decoded.encoding.clone();
            report.bom = decoded.bom;
            if format == Format::JsonLines {
                let (v, sinks, _) = read_jsonl(&decoded.text, path, prepare)?;
                (v, sinks)
            } else {
                let (v, sinks, info) = read_csv(
                    path,
                    &decoded.text,
                    &decoded.invalid_lines,
                    options,
                    prepare,
                )?;
                report.delimiter = Some(info.delimiter.clone());
                report.dialect = Some(info);
                (v, sinks)
            }
        }
    };
    let config = validator.config();
    let mapping = &config.mapping;
    report.kind = mapping.kind;
    report.mapping = mapping.as_map();
    report.mapping_detail = mapping.mapped.clone();
    report.amount_derived = mapping.amount_derived;
    report.order_id_derived =
        mapping.kind == TableKind::Transactions && mapping.column_of("order_id").is_none();
    report.unmapped_columns = mapping.unmapped.clone();
    report.extra_columns = mapping.extras.clone();

    let merged: Merged = merge(sinks).map_err(|e| {
        ImportError::new(
            path,
            Reason::Unreadable,
            format!("internal error while building the table: {e}"),
        )
    })?;
    check_threshold(path, &merged, options)?;
    let counts = &merged.counts;
    report.rows_seen = counts.rows_seen;
    report.accepted = counts.accepted;
    report.quarantined = counts.quarantined;
    report.skipped_blank = counts.skipped_blank;
    report.malformed = counts.malformed;
    report.quarantine_reasons = count_reasons(&merged.quarantine);
    report.quarantine_examples = quarantine_examples(&merged.quarantine);
    report.normalised = merged.normalised;
    report.warnings = merged.warnings;
    report.warning_examples = merged.warning_examples;
    report.date_order = merged.date_order;
    report.currency = merged.currency_named;
    if counts.rows_seen == 0 {
        report.warnings.insert(Reason::HeaderOnly, 1);
    }
    let schema = crate::canonical_schema::table_schema(mapping);
    // A customers file's attributes that are all numbers become numbers.
    let first_extra = schema.fields().len() - mapping.extras.len();
    let (schema, batches) =
        crate::attribute_types::type_attributes(schema, merged.batches, first_extra).map_err(
            |e| {
                ImportError::new(
                    path,
                    Reason::Unreadable,
                    format!("internal error while typing the attributes: {e}"),
                )
            },
        )?;
    Ok(Import {
        report,
        schema,
        batches,
        quarantine: merged.quarantine,
    })
}

fn check_threshold(
    path: &Path,
    merged: &Merged,
    options: &ImportOptions,
) -> Result<(), ImportError> {
    let c = &merged.counts;
    let data_rows = c.rows_seen - c.skipped_blank;
    let ratio = if data_rows == 0 {
        0.0
    } else {
        c.malformed as f64 / data_rows as f64
    };
    if c.malformed > options.max_malformed_rows || ratio > options.max_malformed_ratio {
        let reasons = count_reasons(&merged.quarantine);
        let mut top: Vec<(Reason, u64)> = reasons
            .into_iter()
            .filter(|(r, _)| crate::chunk_builder::is_malformed(*r))
            .collect();
        top.sort_by_key(|(r, n)| (std::cmp::Reverse(*n), *r));
        let list = top
            .iter()
            .take(3)
            .map(|(r, n)| format!("{} ×{n}", r.code()))
            .collect::<Vec<_>>()
            .join(", ");
        let first = merged
            .quarantine
            .iter()
            .find(|e| crate::chunk_builder::is_malformed(e.reason));
        let (pin_en, pin_zh) = pin_hint(top.first().map(|t| t.0));
        let mut err = ImportError::new(
            path,
            Reason::TooManyQuarantined,
            format!("{} of {data_rows} rows ({:.1}%) are malformed ({list}); nothing was imported", c.malformed, ratio * 100.0),
        )
        .hint(format!("run `kehu check FILE --quarantine bad.csv` to see them; {pin_en}raise the limit with --max-bad-ratio/--max-bad-rows"), format!("运行 `kehu check 文件 --quarantine bad.csv` 查看这些行；{pin_zh}或用 --max-bad-ratio/--max-bad-rows 放宽上限"));
        if let Some(e) = first {
            err = err.at(e.location.clone());
            if let Some(col) = &e.column_name {
                err = err.column(col.clone());
            }
        }
        return Err(err);
    }
    Ok(())
}

/// How to pin the format when `reason` is what most malformed rows share, in English and in
/// Chinese.
fn pin_hint(reason: Option<Reason>) -> (&'static str, &'static str) {
    match reason {
        Some(Reason::AmbiguousNumber) => (
            "if the numbers use a decimal comma (1.234,56), add --decimal-comma; ",
            "若数字使用小数逗号（1.234,56），请加 --decimal-comma；",
        ),
        Some(Reason::AmbiguousDate) => (
            "if day and month can't be told apart, pin the order with --date-format (e.g. '%d/%m/%Y'); ",
            "若无法分辨日和月，请用 --date-format 指定顺序（如 '%d/%m/%Y'）；",
        ),
        _ => (
            "if the format is wrong (delimiter, encoding, date format), pin it; ",
            "若格式识别有误（分隔符、编码、日期格式），请明确指定；",
        ),
    }
}

fn gunzip(path: &Path, raw: &[u8]) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::with_capacity(raw.len() * 6);
    flate2::read::MultiGzDecoder::new(raw)
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            ImportError::new(
                path,
                Reason::Unreadable,
                format!("the gzip stream is corrupt: {e}"),
            )
        })?;
    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(ImportError::new(
            path,
            Reason::ArchiveTooLarge,
            format!("the file expands to more than {MAX_DECOMPRESSED_BYTES} bytes"),
        ));
    }
    Ok(out)
}

fn detect_format(path: &Path, content: &[u8], name: &str) -> Result<Format, ImportError> {
    let ext = name.rsplit('.').next().unwrap_or("");
    let zip = content.starts_with(b"PK\x03\x04");
    let ole = content.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let parquet = content.starts_with(b"PAR1");
    let spreadsheet_ext = matches!(ext, "xlsx" | "xlsm" | "xls");
    if (zip || ole) && spreadsheet_ext {
        return Ok(Format::Xlsx);
    }
    if parquet || ext == "parquet" {
        return Ok(Format::Parquet);
    }
    let what = if zip {
        Some("a zip archive (an .xlsx workbook?)")
    } else if ole {
        Some("a legacy Office file (.xls?)")
    } else if content.starts_with(b"%PDF") {
        Some("a PDF document")
    } else {
        None
    };
    if let Some(what) = what {
        return Err(ImportError::new(
            path,
            Reason::WrongFormat,
            format!("the file is named `{name}` but its bytes are {what}"),
        )
        .hint(
            "rename it to its real extension (.xlsx), or export it again as CSV",
            "请把扩展名改为真实的 .xlsx，或重新导出为 CSV",
        ));
    }
    if spreadsheet_ext {
        return Err(ImportError::new(
            path,
            Reason::WrongFormat,
            format!("`{name}` is not a zip-based workbook"),
        )
        .hint(
            "export it again as .xlsx or CSV",
            "请重新导出为 .xlsx 或 CSV",
        ));
    }
    Ok(if matches!(ext, "jsonl" | "ndjson" | "json") {
        Format::JsonLines
    } else {
        Format::Csv
    })
}

fn decode_error(path: &Path, e: DecodeError) -> ImportError {
    match e {
        DecodeError::UnknownLabel(l) => ImportError::new(path, Reason::UnsupportedEncoding, format!("`{l}` is not an encoding kehu knows"))
            .hint("use a WHATWG label such as utf-8, gb18030, gbk, big5, utf-16le, windows-1252", "请使用 WHATWG 编码名，如 utf-8、gb18030、gbk、big5、utf-16le、windows-1252"),
        DecodeError::Invalid { encoding, line } => {
            let err = ImportError::new(path, Reason::InvalidEncoding, format!("the file is not valid {encoding}"));
            match line {
                Some(line) => err.at(Location::Line { line }),
                None => err,
            }
        }
        DecodeError::Mixed { first_non_utf8_line, first_utf8_line } => ImportError::new(
            path,
            Reason::MixedEncoding,
            format!("line {first_utf8_line} is UTF-8 but line {first_non_utf8_line} is in another encoding (GBK?)"),
        )
        .at(Location::Line { line: first_non_utf8_line })
        .hint("the file was probably pasted together from two exports; export it again in one encoding", "该文件可能由两次导出拼接而成；请用同一种编码重新导出"),
        DecodeError::Unsupported { guess, first_bad_line } => ImportError::new(
            path,
            Reason::UnsupportedEncoding,
            format!("the file is not UTF-8, GB18030/GBK or UTF-16; it looks like {guess}"),
        )
        .at(Location::Line { line: first_bad_line })
        .hint(format!("if it really is {guess}, pass --encoding {guess}; better, export it again as UTF-8"), format!("若确实是 {guess}，请加 --encoding {guess}；更好的做法是重新导出为 UTF-8")),
        DecodeError::Utf16WithoutBom => ImportError::new(path, Reason::UnsupportedEncoding, "the file looks like UTF-16 without a byte-order mark")
            .hint("pass --encoding utf-16le (or utf-16be)", "请加 --encoding utf-16le（或 utf-16be）"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

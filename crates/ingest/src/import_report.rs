//! The import report: what was read, how, and what became of every row.

use crate::chunk_builder::Flagged;
use crate::csv_reader::CsvInfo;
use crate::mapping::{ExtraColumn, MappedField};
use crate::options::TableKind;
use crate::quarantine::QuarantineEntry;
use kehu_domain::Reason;
use serde::Serialize;
use std::collections::BTreeMap;

/// At most this many quarantine examples per reason go into the report.
pub const QUARANTINE_EXAMPLES: usize = 3;

/// Everything about one file's import that a person or a script needs to trust it.
///
/// Field names are stable (documented in `docs/check-json.md`).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The file as given.
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// `csv`, `xlsx`, `parquet` or `jsonl`.
    pub format: &'static str,
    /// `gzip` or `none`.
    pub compression: &'static str,
    /// The table the file feeds.
    pub kind: TableKind,
    /// Text encoding (`utf-8`, `gb18030`, `utf-16le` …); `binary` for XLSX and Parquet.
    pub encoding: String,
    /// A byte-order mark was present.
    pub bom: bool,
    /// The delimiter (`,`, `\t`, `;`, `|`), for delimited text.
    pub delimiter: Option<String>,
    /// The CSV dialect, for delimited text.
    pub dialect: Option<CsvInfo>,
    /// The sheet read, for workbooks.
    pub sheet: Option<String>,
    /// Canonical field → source header.
    pub mapping: BTreeMap<String, String>,
    /// How each field was matched.
    pub mapping_detail: Vec<MappedField>,
    /// `amount` computed as quantity × unit price.
    pub amount_derived: bool,
    /// `order_id` made from customer and time because the file has no order column.
    pub order_id_derived: bool,
    /// Source columns that feed no field (ignored).
    pub unmapped_columns: Vec<String>,
    /// A customers file's other columns, kept as attributes (`attr_…`).
    pub extra_columns: Vec<ExtraColumn>,
    /// Data rows seen (blank ones included; header and preamble not).
    pub rows_seen: u64,
    /// Rows published.
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Blank rows skipped.
    pub skipped_blank: u64,
    /// Quarantined rows that are malformed input (what the refusal threshold counts).
    pub malformed: u64,
    /// Reason code → number of quarantine entries (a row may have several).
    pub quarantine_reasons: BTreeMap<Reason, u64>,
    /// Normalisation code → rows it was applied to.
    pub normalised: BTreeMap<Reason, u64>,
    /// Warning code → rows flagged.
    pub warnings: BTreeMap<Reason, u64>,
    /// How ambiguous day/month dates were read (`day_first`, `month_first`) or `null`.
    pub date_order: Option<&'static str>,
    /// The currency the file's amounts are marked with (¥/元/RMB → `CNY`, `$` → `USD` …), or
    /// `null` when no amount names one.
    pub currency: Option<&'static str>,
    /// The first few quarantine entries of each reason.
    pub quarantine_examples: Vec<QuarantineEntry>,
    /// The first few flagged rows of each warning.
    pub warning_examples: Vec<Flagged>,
}

/// The first [`QUARANTINE_EXAMPLES`] entries of each reason, in file order.
pub fn quarantine_examples(entries: &[QuarantineEntry]) -> Vec<QuarantineEntry> {
    let mut per_reason: BTreeMap<Reason, usize> = BTreeMap::new();
    entries
        .iter()
        .filter(|e| {
            let n = per_reason.entry(e.reason).or_insert(0);
            *n += 1;
            *n <= QUARANTINE_EXAMPLES
        })
        .cloned()
        .collect()
}

/// Reason code → number of entries.
pub fn count_reasons(entries: &[QuarantineEntry]) -> BTreeMap<Reason, u64> {
    let mut counts = BTreeMap::new();
    for e in entries {
        *counts.entry(e.reason).or_insert(0) += 1;
    }
    counts
}

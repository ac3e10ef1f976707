//! Reading customer, transaction and feedback files into kehu's canonical Arrow tables.
//!
//! The flow for one file ([`import_file`]): detect the format by its magic bytes and the text
//! encoding ([`encoding`]), sniff the dialect, find the header and map its columns to
//! canonical fields ([`mapping`], [`fields`]), then parse every row into typed values or
//! quarantine it with a reason ([`quarantine`]).
//!
//! Invariants:
//! - every data row is accounted for: `rows_seen = accepted + quarantined + skipped_blank`;
//! - a file is published whole or refused whole with one [`ImportError`];
//! - money is exact ([`kehu_domain::Money`]) from the file to the totals;
//! - results do not depend on the number of threads.

mod attribute_types;
mod canonical_schema;
mod chunk_builder;
mod csv_block;
mod csv_reader;
mod csv_tokenizer;
mod date_text;
mod distinct_text;
pub mod encoding;
mod error;
pub mod fields;
mod import;
mod import_report;
mod jsonl;
pub mod mapping;
mod merge;
mod number_text;
mod options;
mod ordinal_runs;
mod parquet_reader;
mod plain_rows;
mod profile;
pub mod quarantine;
mod row_fingerprint;
mod row_validator;
pub mod source;
mod suspicious;
mod text_value;
mod xlsx;

pub use canonical_schema::{IS_REFUND, MONEY_TYPE, SOURCE_LINE, canonical_schema, table_schema};
pub use chunk_builder::RowCounts;
pub use csv_reader::CsvInfo;
pub use error::ImportError;
pub use import::{Import, import_file};
pub use import_report::ImportReport;
pub use jsonl::{JsonlInfo, read_jsonl};
pub use mapping::{ExtraColumn, MatchHow};
pub use options::{DuplicatePolicy, EscapeStyle, ImportOptions, TableKind, UtcOffset};
pub use parquet_reader::{ParquetInfo, read_parquet};
pub use profile::{DateRange, Returns, TableProfile, profile};
pub use xlsx::{ALL_SHEETS, XlsxInfo, XlsxLimits, read_xlsx, workbook_sheets};

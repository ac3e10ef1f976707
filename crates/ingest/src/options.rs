use chrono::{FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which canonical table a file feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// Sales records: customer, order, date, amount.
    Transactions,
    /// One row per customer: attributes.
    Customers,
    /// Satisfaction scores, NPS, complaints.
    Feedback,
}

impl TableKind {
    /// The stable name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Transactions => "transactions",
            TableKind::Customers => "customers",
            TableKind::Feedback => "feedback",
        }
    }
}

/// How backslashes inside quoted fields are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EscapeStyle {
    /// Only doubled quotes (`""`) escape a quote: RFC 4180 and Excel. Backslash-escaped
    /// quotes are detected and refused with a hint unless [`EscapeStyle::Backslash`] is set.
    #[default]
    Doubled,
    /// `\"` escapes a quote and `\\` a backslash (MySQL, PHP exports).
    Backslash,
}

/// Everything a user can pin about an import. The defaults detect everything.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportOptions {
    /// Which table the file feeds; `None` decides from the headers.
    pub kind: Option<TableKind>,
    /// An encoding label (`utf-8`, `gb18030`, `gbk`, `utf-16le`, `big5`, …) that overrides
    /// detection.
    pub encoding: Option<String>,
    /// A one-byte delimiter that overrides sniffing.
    pub delimiter: Option<u8>,
    /// How quotes are escaped inside quoted fields.
    pub escape: EscapeStyle,
    /// Whether the first non-preamble row is a header. Without one, `mapping` must name
    /// columns by 1-based position (`"1"`, `"2"`, …).
    pub has_header: bool,
    /// Rows to skip before the header; `None` detects a preamble.
    pub skip_rows: Option<usize>,
    /// The spreadsheet sheet to read. Required when a workbook has several visible sheets.
    pub sheet: Option<String>,
    /// Explicit mapping, canonical field → source column name, overriding the aliases.
    pub mapping: BTreeMap<String, String>,
    /// A pinned date format (chrono `strftime` syntax, e.g. `%d/%m/%Y`) tried before the
    /// built-in forms; it also settles day/month ambiguity.
    pub date_format: Option<String>,
    /// Numbers use a decimal comma (`1.234,56`).
    pub decimal_comma: bool,
    /// Multiply out 万 and 亿 in amounts (on by default).
    pub magnitude_units: bool,
    /// The business time zone: times with an offset are converted to it; times without one
    /// are taken as already in it. `None` = UTC.
    pub timezone: Option<UtcOffset>,
    /// Dates after this day are flagged `out_of_range_date`. The CLI passes today's date.
    pub latest_plausible_date: Option<NaiveDate>,
    /// Dates before this day are flagged `out_of_range_date`.
    pub earliest_plausible_date: Option<NaiveDate>,
    /// Refuse the file when more than this share of data rows is malformed.
    pub max_malformed_ratio: f64,
    /// Refuse the file when more than this many data rows are malformed.
    pub max_malformed_rows: u64,
    /// What happens to a row that repeats an earlier one exactly.
    pub duplicates: DuplicatePolicy,
    /// Worker threads; `None` = all cores. Results do not depend on it.
    pub threads: Option<usize>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            kind: None,
            encoding: None,
            delimiter: None,
            escape: EscapeStyle::Doubled,
            has_header: true,
            skip_rows: None,
            sheet: None,
            mapping: BTreeMap::new(),
            date_format: None,
            decimal_comma: false,
            magnitude_units: true,
            timezone: None,
            latest_plausible_date: None,
            earliest_plausible_date: NaiveDate::from_ymd_opt(1990, 1, 1),
            max_malformed_ratio: 0.05,
            max_malformed_rows: 1000,
            duplicates: DuplicatePolicy::Auto,
            threads: None,
        }
    }
}

/// A fixed offset from UTC, written `+08:00`, `-05:30`, `UTC`, or one of the common zone
/// names without daylight saving (`Asia/Shanghai`, `Asia/Hong_Kong`, `Asia/Taipei`,
/// `Asia/Singapore`, `Asia/Tokyo`, `Asia/Seoul`, `Asia/Kolkata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcOffset(pub FixedOffset);

impl std::str::FromStr for UtcOffset {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let named = match t {
            "UTC" | "utc" | "Z" | "GMT" => Some(0),
            "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Hong_Kong" | "Asia/Macau"
            | "Asia/Taipei" | "Asia/Singapore" | "PRC" => Some(8 * 3600),
            "Asia/Tokyo" | "Asia/Seoul" => Some(9 * 3600),
            "Asia/Kolkata" => Some(5 * 3600 + 1800),
            _ => None,
        };
        let seconds = match named {
            Some(s) => s,
            None => {
                let (sign, rest) = match t.as_bytes().first() {
                    Some(b'+') => (1, &t[1..]),
                    Some(b'-') => (-1, &t[1..]),
                    _ => {
                        return Err(format!(
                            "`{s}` is not a UTC offset: write +08:00, -05:00 or UTC"
                        ));
                    }
                };
                let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
                let h: i32 = h
                    .parse()
                    .map_err(|_| format!("`{s}` is not a UTC offset"))?;
                let m: i32 = m
                    .parse()
                    .map_err(|_| format!("`{s}` is not a UTC offset"))?;
                sign * (h * 3600 + m * 60)
            }
        };
        FixedOffset::east_opt(seconds)
            .map(UtcOffset)
            .ok_or_else(|| format!("`{s}` is out of range"))
    }
}

impl Serialize for UtcOffset {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UtcOffset {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What happens to exact duplicate rows (G1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// Quarantine them when the file has identifiers that make rows unique (an order id, or
    /// any customers or feedback file); keep them, flagged `repeated_row`, in transactions
    /// without an order id, where two identical rows are two purchases the file cannot tell
    /// apart (CDNOW has 255 such rows).
    #[default]
    Auto,
    /// Always quarantine them (`duplicate_row`).
    Quarantine,
    /// Always keep them, flagged `repeated_row` (line items without a line number).
    Keep,
}

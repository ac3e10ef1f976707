//! Quarantined rows: one entry per problem, with where it was and a masked snippet.

use kehu_domain::{Location, Reason};
use serde::Serialize;
use std::io::Write;

/// Snippets are cut to this many bytes (at a character boundary).
pub const SNIPPET_BYTES: usize = 200;

/// One problem with one row. A row with three problems has three entries.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QuarantineEntry {
    /// Where the row starts (physical line, sheet row or Parquet row).
    pub location: Location,
    /// Byte offset of the row in the decoded text, when the format has one.
    pub byte_offset: Option<u64>,
    /// 0-based source column, when the problem is in one column.
    pub column_idx: Option<usize>,
    /// Source column name, when known.
    pub column_name: Option<String>,
    /// The canonical field that column feeds, when it feeds one.
    pub field: Option<&'static str>,
    /// Stable reason code.
    pub reason: Reason,
    /// The row's text, cut to 200 bytes, with digit runs that look like phones or ids masked.
    pub snippet: String,
    /// What exactly is wrong (English).
    pub message: String,
}

impl QuarantineEntry {
    /// Names the canonical field.
    pub fn with_field(mut self, field: Option<&'static str>) -> Self {
        self.field = field;
        self
    }
}

impl QuarantineEntry {
    /// A new entry; the snippet is cut and masked here.
    pub fn new(
        location: Location,
        byte_offset: Option<u64>,
        column: Option<(usize, &str)>,
        reason: Reason,
        raw: &str,
        message: impl Into<String>,
    ) -> Self {
        QuarantineEntry {
            location,
            byte_offset,
            column_idx: column.map(|c| c.0),
            column_name: column.map(|c| c.1.to_string()),
            field: None,
            reason,
            snippet: mask_snippet(raw),
            message: message.into(),
        }
    }
}

/// Cuts to [`SNIPPET_BYTES`] and masks the middle of digit runs of 7 or more (phone numbers,
/// national ids), keeping the first three and last two digits: `13812345678` → `138******78`.
/// Control characters are shown as `\u{..}` (a tab as `\t`) so the quarantine file stays one
/// line per entry.
pub fn mask_snippet(raw: &str) -> String {
    let mut cut = raw;
    if cut.len() > SNIPPET_BYTES {
        let mut end = SNIPPET_BYTES;
        while !cut.is_char_boundary(end) {
            end -= 1;
        }
        cut = &cut[..end];
    }
    let chars: Vec<char> = cut.chars().collect();
    let mut out = String::with_capacity(cut.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run = &chars[start..i];
            if run.len() >= 7 {
                out.extend(&run[..3]);
                out.extend(std::iter::repeat_n('*', run.len() - 5));
                out.extend(&run[run.len() - 2..]);
            } else {
                out.extend(run);
            }
            continue;
        }
        let c = chars[i];
        if c == '\t' {
            // Tab-separated rows stay readable.
            out.push_str("\\t");
        } else if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
        i += 1;
    }
    if cut.len() < raw.len() {
        out.push('…');
    }
    out
}

/// Writes entries as CSV (UTF-8 with BOM so that Excel opens Chinese text correctly):
/// `file,location,line,byte_offset,column_idx,column_name,field,reason_code,reason,snippet,message`.
/// Values that a spreadsheet would run as formulas are neutralised with a leading `'`.
pub fn write_quarantine_csv<W: Write>(
    mut out: W,
    file: &str,
    entries: &[QuarantineEntry],
    lang: kehu_domain::Lang,
) -> std::io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    writeln!(
        out,
        "file,location,line,byte_offset,column_idx,column_name,field,reason_code,reason,snippet,message"
    )?;
    for e in entries {
        let fields = [
            file.to_string(),
            e.location.with_column(e.column_idx),
            e.location.ordinal().to_string(),
            e.byte_offset.map(|b| b.to_string()).unwrap_or_default(),
            e.column_idx.map(|c| c.to_string()).unwrap_or_default(),
            e.column_name.clone().unwrap_or_default(),
            e.field.unwrap_or_default().to_string(),
            e.reason.code().to_string(),
            e.reason.describe(lang).to_string(),
            e.snippet.clone(),
            e.message.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// Quotes a CSV field when needed and neutralises formula-looking text (`=`, `+`, `-`, `@`).
pub fn csv_field(value: &str) -> String {
    let neutral =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err() {
            format!("'{value}")
        } else {
            value.to_string()
        };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_long_digit_runs_and_cuts() {
        assert_eq!(
            mask_snippet("1,张三,13812345678,2024-01-05"),
            "1,张三,138******78,2024-01-05"
        );
        let long = "x".repeat(300);
        assert!(mask_snippet(&long).len() <= SNIPPET_BYTES + '…'.len_utf8());
        assert_eq!(mask_snippet("Zh\0ang"), "Zh\\u{0}ang");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-12.5"), "-12.5");
        assert_eq!(csv_field("@SUM"), "'@SUM");
    }
}

use serde::Serialize;
use std::fmt;

/// Where in a source file a row or value was found.
///
/// Lines are *physical* 1-based lines of the original file (blank lines and embedded newlines
/// counted), not record numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Location {
    /// A physical line of a text file (CSV, TSV, JSON lines), with the byte offset of the
    /// line's start in the decoded file.
    Line {
        /// 1-based physical line.
        line: u64,
    },
    /// A row of a spreadsheet; `row` is 1-based as Excel shows it.
    Cell {
        /// Sheet name.
        sheet: String,
        /// 1-based row number.
        row: u64,
    },
    /// A row of a columnar file (Parquet): 1-based row number over the whole file.
    Row {
        /// 1-based row number.
        row: u64,
    },
}

impl Location {
    /// The sortable position: the physical line or row number.
    pub fn ordinal(&self) -> u64 {
        match self {
            Location::Line { line } => *line,
            Location::Cell { row, .. } | Location::Row { row } => *row,
        }
    }

    /// A spreadsheet-style reference to a column of this row (`Sheet1!D17`, `line 17`).
    pub fn with_column(&self, column_idx: Option<usize>) -> String {
        match (self, column_idx) {
            (Location::Cell { sheet, row }, Some(c)) => {
                format!("{sheet}!{}{row}", column_letters(c))
            }
            _ => self.to_string(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line } => write!(f, "line {line}"),
            Location::Cell { sheet, row } => write!(f, "{sheet}!{row}"),
            Location::Row { row } => write!(f, "row {row}"),
        }
    }
}

/// Excel column letters for a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letters(mut idx: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16383), "XFD");
    }

    #[test]
    fn cell_reference_names_sheet_column_and_row() {
        let loc = Location::Cell {
            sheet: "Sheet1".into(),
            row: 17,
        };
        assert_eq!(loc.with_column(Some(3)), "Sheet1!D17");
    }
}

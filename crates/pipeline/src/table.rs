//! A small typed table for the lists people open in a spreadsheet (the action lists): the
//! same rows go to CSV (text neutralised against formulas) and to an xlsx sheet (numbers as
//! numbers, text always as text).

use crate::segments::csv_text;
use kehu_domain::Money;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    /// A number shown with two decimals.
    Number(f64),
    /// A whole count (customers, rows), shown with thousands separators in a sheet.
    Count(u64),
    /// A fraction shown as a percentage in a sheet (CSV keeps the fraction).
    Share(f64),
    Money(Money),
    Empty,
}

/// A header and rows of cells.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Cell {
    pub(crate) fn text(value: impl Into<String>) -> Self {
        Cell::Text(value.into())
    }

    /// A number, or empty when NaN.
    pub(crate) fn number(value: f64) -> Self {
        if value.is_nan() {
            Cell::Empty
        } else {
            Cell::Number(value)
        }
    }
}

impl Table {
    /// CSV with a header line; text quoted when needed and prefixed with `'` when it would read
    /// as a formula.
    pub(crate) fn to_csv(&self) -> String {
        let mut out = self
            .header
            .iter()
            .map(|h| csv_text(h))
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Text(t) => csv_text(t),
                    Cell::Number(v) => format!("{v:.2}"),
                    Cell::Count(n) => n.to_string(),
                    Cell::Share(v) => format!("{v:.4}"),
                    Cell::Money(m) => m.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_in_csv() {
        let table = Table {
            header: vec!["id".into(), "name".into(), "clv".into()],
            rows: vec![vec![
                Cell::text("7"),
                Cell::text("=HYPERLINK(\"x\")"),
                Cell::number(f64::NAN),
            ]],
        };
        assert_eq!(
            table.to_csv(),
            "id,name,clv\n7,\"'=HYPERLINK(\"\"x\"\")\",\n"
        );
    }
}

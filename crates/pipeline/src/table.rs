//! A small typed table for the lists people open in a spreadsheet (the action lists): the
//! same rows go to CSV (text neutralised against formulas) and to an xlsx sheet (numbers as
//! numbers, text always as text).

use crate::segments::push_csv_text;
use kehu_domain::Money;
use std::sync::Arc;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    /// Text repeated on many rows (an action's name on every row of its list): one allocation
    /// for all of them.
    Shared(Arc<str>),
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
        use std::fmt::Write;
        // Written straight into one string: a `String` per cell and a join per row were most
        // of the time of the action lists at 1M customers.
        let mut out = String::with_capacity(64 * (self.rows.len() + 1));
        for (k, h) in self.header.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            push_csv_text(&mut out, h);
        }
        out.push('\n');
        for row in &self.rows {
            for (k, cell) in row.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                // Writing to a `String` cannot fail.
                let _ = match cell {
                    Cell::Text(t) => {
                        push_csv_text(&mut out, t);
                        Ok(())
                    }
                    Cell::Shared(t) => {
                        push_csv_text(&mut out, t);
                        Ok(())
                    }
                    Cell::Number(v) => write!(out, "{v:.2}"),
                    Cell::Count(n) => write!(out, "{n}"),
                    Cell::Share(v) => write!(out, "{v:.4}"),
                    Cell::Money(m) => write!(out, "{m}"),
                    Cell::Empty => Ok(()),
                };
            }
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

//! `customers.xlsx`: the customer table, the segments (all schemes, then one sheet per scheme),
//! the playbook, the data quality and, after `--compare-as-of`, the migration as sheets, with a
//! frozen header, a filter, column widths and number formats. Text is always written as text, so a value that
//! looks like a formula can never run in a spreadsheet.

use crate::error::PipelineError;
use crate::table::{Cell, Table};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Decimal128Type, TimeUnit};
use arrow::util::display::array_value_to_string;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Excel's limit of rows per sheet, header included.
const MAX_ROWS: usize = 1_048_576;

fn header(sheet: &mut Worksheet, names: &[&str]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (c, name) in names.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
        sheet.set_column_width(
            c as u16,
            (name.chars().count() as f64 + 2.0).clamp(10.0, 40.0),
        )?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn customers_sheet(sheet: &mut Worksheet, batch: &RecordBatch) -> Result<(), XlsxError> {
    sheet.set_name("customers")?;
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    header(sheet, &names)?;
    let money = Format::new().set_num_format("#,##0.00");
    let decimal = Format::new().set_num_format("0.00");
    let rows = batch.num_rows().min(MAX_ROWS - 1);
    for (c, col) in batch.columns().iter().enumerate() {
        let c = c as u16;
        match col.data_type() {
            DataType::Decimal128(_, scale) => {
                let a = col.as_primitive::<Decimal128Type>();
                let div = 10f64.powi(i32::from(*scale));
                for r in (0..rows).filter(|&r| a.is_valid(r)) {
                    sheet.write_number_with_format(
                        r as u32 + 1,
                        c,
                        a.value(r) as f64 / div,
                        &money,
                    )?;
                }
            }
            DataType::Float64 => {
                let a = col.as_primitive::<arrow::datatypes::Float64Type>();
                for r in (0..rows).filter(|&r| a.is_valid(r) && a.value(r).is_finite()) {
                    sheet.write_number_with_format(r as u32 + 1, c, a.value(r), &decimal)?;
                }
            }
            t if t.is_integer() => {
                let a = arrow::compute::cast(col, &DataType::Float64)
                    .map_err(|e| XlsxError::ParameterError(e.to_string()))?;
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                for r in (0..rows).filter(|&r| a.is_valid(r)) {
                    sheet.write_number(r as u32 + 1, c, a.value(r))?;
                }
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) | DataType::Date32 => {
                for r in (0..rows).filter(|&r| col.is_valid(r)) {
                    let text = array_value_to_string(col, r)
                        .map_err(|e| XlsxError::ParameterError(e.to_string()))?;
                    sheet.write_string(r as u32 + 1, c, text.replace('T', " "))?;
                }
                sheet.set_column_width(c, 20)?;
            }
            _ => {
                for r in (0..rows).filter(|&r| col.is_valid(r)) {
                    let text = array_value_to_string(col, r)
                        .map_err(|e| XlsxError::ParameterError(e.to_string()))?;
                    sheet.write_string(r as u32 + 1, c, text)?;
                }
            }
        }
    }
    Ok(())
}

/// Writes the workbook: the customer table, then the given tables one sheet each.
pub fn write_customers_xlsx(
    path: &Path,
    batch: &RecordBatch,
    sheets: &[(String, Table)],
) -> Result<(), PipelineError> {
    write_book(
        path,
        Some(batch),
        sheets.iter().map(|(name, table)| (name.as_str(), table)),
    )
}

/// A workbook of the customer table (when given) and then the tables, one sheet each, their
/// names made valid and distinct.
fn write_book<'a>(
    path: &Path,
    customers: Option<&RecordBatch>,
    sheets: impl IntoIterator<Item = (&'a str, &'a Table)>,
) -> Result<(), PipelineError> {
    let encode = |e: XlsxError| PipelineError::Encode {
        path: path.into(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    let mut used = Vec::new();
    if let Some(batch) = customers {
        customers_sheet(book.add_worksheet(), batch).map_err(encode)?;
        used.push("customers".to_string());
    }
    for (name, table) in sheets {
        let name = sheet_name(name, &used);
        used.push(name.to_lowercase());
        table_sheet(book.add_worksheet(), &name, table).map_err(encode)?;
    }
    book.save(path).map_err(encode)?;
    Ok(())
}

/// A valid sheet name for `wanted`, distinct (as Excel compares them, ignoring case) from
/// the names in `used` (lower case): at most 31 characters, none of `[]:*?/\`.
fn sheet_name(wanted: &str, used: &[String]) -> String {
    let clean: String = wanted
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .collect();
    let clean = if clean.is_empty() {
        "sheet".to_string()
    } else {
        clean
    };
    (1..)
        .map(|k| {
            let suffix = if k == 1 {
                String::new()
            } else {
                format!("~{k}")
            };
            let keep = 31 - suffix.chars().count();
            format!("{}{suffix}", clean.chars().take(keep).collect::<String>())
        })
        .find(|name| !used.contains(&name.to_lowercase()))
        .unwrap_or_default()
}

/// One sheet of a [`Table`]: bold frozen header with a filter, columns as wide as their
/// content, numbers, counts, shares and money as numbers, text as text.
fn table_sheet(sheet: &mut Worksheet, name: &str, table: &Table) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let names: Vec<&str> = table.header.iter().map(String::as_str).collect();
    header(sheet, &names)?;
    let money = Format::new().set_num_format("#,##0.00");
    let decimal = Format::new().set_num_format("0.00");
    let count = Format::new().set_num_format("#,##0");
    let pct = Format::new().set_num_format("0.0%");
    let rows = table.rows.len().min(MAX_ROWS - 1);
    for (i, row) in table.rows.iter().take(rows).enumerate() {
        let r = i as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, c, t)?;
                }
                Cell::Shared(t) => {
                    sheet.write_string(r, c, t.as_ref())?;
                }
                Cell::Number(v) => {
                    sheet.write_number_with_format(r, c, *v, &decimal)?;
                }
                Cell::Count(n) => {
                    sheet.write_number_with_format(r, c, *n as f64, &count)?;
                }
                Cell::Share(v) => {
                    sheet.write_number_with_format(r, c, *v, &pct)?;
                }
                Cell::Money(m) => {
                    sheet.write_number_with_format(r, c, m.to_f64(), &money)?;
                }
                Cell::Empty => {}
            }
        }
    }
    // Widths from the header and the first rows' text (CJK characters count double).
    for c in 0..table.header.len() {
        let width = |text: &str| -> usize {
            text.chars()
                .map(|ch| if ch as u32 >= 0x2E80 { 2 } else { 1 })
                .sum()
        };
        let widest = table
            .rows
            .iter()
            .take(200)
            .filter_map(|row| match row.get(c) {
                Some(Cell::Text(t)) => Some(width(t)),
                Some(Cell::Shared(t)) => Some(width(t)),
                Some(Cell::Money(m)) => Some(m.to_string().len() + 2),
                _ => None,
            })
            .chain(std::iter::once(width(&table.header[c])))
            .max()
            .unwrap_or(0);
        sheet.set_column_width(c as u16, (widest as f64 + 2.0).clamp(10.0, 60.0))?;
    }
    if rows > 0 && !table.header.is_empty() {
        sheet.autofilter(0, 0, rows as u32, table.header.len() as u16 - 1)?;
    }
    Ok(())
}

/// A workbook of one [`Table`].
pub(crate) fn write_table_xlsx(
    path: &Path,
    sheet: &str,
    table: &Table,
) -> Result<(), PipelineError> {
    write_book(path, None, [(sheet, table)])
}

/// A workbook of several [`Table`]s, one sheet each.
pub(crate) fn write_tables_xlsx(
    path: &Path,
    sheets: &[(String, Table)],
) -> Result<(), PipelineError> {
    write_book(
        path,
        None,
        sheets.iter().map(|(name, table)| (name.as_str(), table)),
    )
}

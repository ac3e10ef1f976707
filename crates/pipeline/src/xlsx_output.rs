//! `customers.xlsx`: the customer table, the segment table, the playbook and the data quality
//! as sheets, with a frozen header, column widths and number formats. Text is always written as text, so a value that
//! looks like a formula can never run in a spreadsheet.

use crate::error::PipelineError;
use crate::segments::SegmentRow;
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

fn segments_sheet(sheet: &mut Worksheet, rows: &[SegmentRow]) -> Result<(), XlsxError> {
    sheet.set_name("segments")?;
    header(
        sheet,
        &[
            "scheme",
            "label",
            "name",
            "customers",
            "share",
            "revenue",
            "revenue_share",
            "mean_recency_days",
            "mean_orders",
            "mean_revenue",
            "mean_aov",
        ],
    )?;
    let pct = Format::new().set_num_format("0.0%");
    let money = Format::new().set_num_format("#,##0.00");
    let decimal = Format::new().set_num_format("0.00");
    for (i, s) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &s.scheme)?;
        sheet.write_string(r, 1, &s.label)?;
        sheet.write_string(r, 2, &s.name)?;
        sheet.write_number(r, 3, s.customers as f64)?;
        sheet.write_number_with_format(r, 4, s.share, &pct)?;
        sheet.write_number_with_format(r, 5, s.revenue.to_f64(), &money)?;
        sheet.write_number_with_format(r, 6, s.revenue_share, &pct)?;
        for (c, v) in [
            s.mean_recency_days,
            s.mean_orders,
            s.mean_revenue,
            s.mean_aov,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(v) = v {
                sheet.write_number_with_format(r, 7 + c as u16, v, &decimal)?;
            }
        }
    }
    sheet.set_column_width(2, 28)?;
    Ok(())
}

/// Writes the workbook.
pub fn write_customers_xlsx(
    path: &Path,
    batch: &RecordBatch,
    segments: &[SegmentRow],
    more: &[(&str, Table)],
) -> Result<(), PipelineError> {
    let encode = |e: XlsxError| PipelineError::Encode {
        path: path.into(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    customers_sheet(book.add_worksheet(), batch).map_err(encode)?;
    segments_sheet(book.add_worksheet(), segments).map_err(encode)?;
    for (name, table) in more {
        table_sheet(book.add_worksheet(), name, table).map_err(encode)?;
    }
    book.save(path).map_err(encode)?;
    Ok(())
}

/// One sheet of a [`Table`]: bold frozen header, numbers and money as numbers, text as text.
fn table_sheet(sheet: &mut Worksheet, name: &str, table: &Table) -> Result<(), XlsxError> {
    // Excel sheet names: at most 31 characters, none of []:*?/\.
    let name: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    sheet.set_name(&name)?;
    let names: Vec<&str> = table.header.iter().map(String::as_str).collect();
    header(sheet, &names)?;
    let money = Format::new().set_num_format("#,##0.00");
    let decimal = Format::new().set_num_format("0.00");
    for (i, row) in table.rows.iter().take(MAX_ROWS - 1).enumerate() {
        let r = i as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, c, t)?;
                }
                Cell::Number(v) => {
                    sheet.write_number_with_format(r, c, *v, &decimal)?;
                }
                Cell::Money(m) => {
                    sheet.write_number_with_format(r, c, m.to_f64(), &money)?;
                }
                Cell::Empty => {}
            }
        }
    }
    Ok(())
}

/// A workbook of one [`Table`].
pub(crate) fn write_table_xlsx(
    path: &Path,
    sheet: &str,
    table: &Table,
) -> Result<(), PipelineError> {
    let encode = |e: XlsxError| PipelineError::Encode {
        path: path.into(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    table_sheet(book.add_worksheet(), sheet, table).map_err(encode)?;
    book.save(path).map_err(encode)?;
    Ok(())
}

/// A workbook of several [`Table`]s, one sheet each.
pub(crate) fn write_tables_xlsx(
    path: &Path,
    sheets: &[(String, Table)],
) -> Result<(), PipelineError> {
    let encode = |e: XlsxError| PipelineError::Encode {
        path: path.into(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    for (name, table) in sheets {
        table_sheet(book.add_worksheet(), name, table).map_err(encode)?;
    }
    book.save(path).map_err(encode)?;
    Ok(())
}

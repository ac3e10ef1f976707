//! What an imported table holds: customers, orders, exact revenue, returns, date range,
//! missing values — the figures a user checks before trusting a file.

use crate::distinct_text::count_distinct;
use crate::import::Import;
use crate::options::TableKind;
use arrow::array::{Array, AsArray, StringArray};
use arrow::datatypes::{Decimal128Type, TimestampMicrosecondType};
use kehu_domain::{Money, Reason};
use serde::Serialize;
use std::collections::BTreeMap;

/// Returns and refunds: rows with a negative amount.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Returns {
    /// Rows.
    pub rows: u64,
    /// Their exact sum (negative).
    pub amount: Money,
}

/// First and last event.
#[derive(Debug, Clone, Serialize)]
pub struct DateRange {
    /// `YYYY-MM-DD HH:MM:SS`.
    pub first: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub last: String,
}

/// Figures of an imported table, over its accepted rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableProfile {
    /// Distinct customers.
    pub customers: u64,
    /// Distinct orders (transactions only).
    pub orders: Option<u64>,
    /// Net revenue: the exact sum of all amounts, returns included (transactions only).
    pub revenue: Option<Money>,
    /// Gross sales: the sum of positive amounts.
    pub sales: Option<Money>,
    /// Returns and refunds.
    pub returns: Option<Returns>,
    /// First and last transaction or feedback time.
    pub date_range: Option<DateRange>,
    /// Canonical field → empty values among accepted rows (mapped fields only).
    pub missing_values: BTreeMap<String, u64>,
    /// Exact duplicate rows quarantined.
    pub duplicates: u64,
    /// Rows flagged as outliers.
    pub outliers: u64,
    /// Rows dated outside the plausible range (future dates, before the business began).
    pub out_of_range_dates: u64,
}

/// Profiles an import.
pub fn profile(import: &Import) -> TableProfile {
    let schema = &import.schema;
    let mut p = TableProfile {
        duplicates: import
            .report
            .quarantine_reasons
            .get(&Reason::DuplicateRow)
            .copied()
            .unwrap_or(0),
        outliers: import
            .report
            .warnings
            .get(&Reason::Outlier)
            .copied()
            .unwrap_or(0),
        out_of_range_dates: import
            .report
            .warnings
            .get(&Reason::OutOfRangeDate)
            .copied()
            .unwrap_or(0),
        ..TableProfile::default()
    };
    let idx = |name: &str| schema.index_of(name).ok();
    let texts = |index: Option<usize>| -> Vec<&StringArray> {
        index.map_or_else(Vec::new, |i| {
            import
                .batches
                .iter()
                .map(|b| b.column(i).as_string::<i32>())
                .collect()
        })
    };
    let customer_ids = texts(idx("customer_id"));
    let order_ids =
        texts(idx("order_id").filter(|_| import.report.kind == TableKind::Transactions));
    let (customers, orders) = rayon::join(
        || count_distinct(&customer_ids),
        || count_distinct(&order_ids),
    );
    let (mut revenue, mut sales, mut returns) = (Money::ZERO, Money::ZERO, Returns::default());
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for batch in &import.batches {
        if let Some(a) = idx("amount") {
            for v in batch
                .column(a)
                .as_primitive::<Decimal128Type>()
                .iter()
                .flatten()
            {
                let m = Money::from_units(v);
                revenue += m;
                if v > 0 {
                    sales += m;
                } else if v < 0 {
                    returns.rows += 1;
                    returns.amount += m;
                }
            }
        }
        if let Some(t) = idx("ts") {
            let ts = batch.column(t).as_primitive::<TimestampMicrosecondType>();
            for v in ts.iter().flatten() {
                first = first.min(v);
                last = last.max(v);
            }
        }
    }
    p.customers = customers;
    if import.report.kind == TableKind::Transactions {
        p.orders = Some(orders);
        p.revenue = Some(revenue);
        p.sales = Some(sales);
        p.returns = Some(returns);
    }
    if first <= last {
        let fmt = |m: i64| {
            chrono::DateTime::from_timestamp_micros(m)
                .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default()
        };
        p.date_range = Some(DateRange {
            first: fmt(first),
            last: fmt(last),
        });
    }
    for field in import.report.mapping.keys() {
        if let Some(i) = idx(field) {
            let nulls: usize = import
                .batches
                .iter()
                .map(|b| b.column(i).null_count())
                .sum();
            p.missing_values.insert(field.clone(), nulls as u64);
        }
    }
    p
}

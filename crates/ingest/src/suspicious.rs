//! Whole-file warnings about accepted transactions: outlying amounts (D8) and refunds from
//! customers with no purchase (G7). They flag rows; they never drop them.

use crate::chunk_builder::WARNING_EXAMPLES;
use crate::merge::Merged;
use crate::quarantine::QuarantineEntry;
use arrow::array::AsArray;
use arrow::datatypes::{Decimal128Type, UInt64Type};
use kehu_domain::{Location, Money, Reason};
use std::collections::HashSet;
use xxhash_rust::xxh3::Xxh3Builder;

/// Amounts beyond this many interquartile ranges above the upper quartile, on a log scale,
/// are outliers: with typical spreads that is a hundred times the upper-quartile amount.
const OUTLIER_IQRS: f64 = 3.0;

/// Adds `outlier` and `orphan_refund` warnings (counts and first examples) to a merged
/// transactions import.
pub fn flag_suspicious(merged: &mut Merged) {
    let Some(schema) = merged.batches.first().map(|b| b.schema()) else {
        return;
    };
    let (Ok(amount_idx), Ok(customer_idx), Ok(line_idx)) = (
        schema.index_of("amount"),
        schema.index_of("customer_id"),
        schema.index_of(crate::SOURCE_LINE),
    ) else {
        return;
    };
    if schema.index_of("is_refund").is_err() {
        return;
    }
    let mut logs: Vec<f64> = Vec::new();
    for batch in &merged.batches {
        let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
        logs.extend(
            amounts
                .values()
                .iter()
                .filter(|v| **v != 0)
                .map(|v| Money::from_units(*v).to_f64().abs().log10()),
        );
    }
    if logs.len() >= 4 {
        let q1 = quantile(&mut logs, 0.25);
        let q3 = quantile(&mut logs, 0.75);
        let fence = q3 + OUTLIER_IQRS * (q3 - q1).max(0.5);
        let mut flagged = Vec::new();
        for batch in &merged.batches {
            let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
            let lines = batch.column(line_idx).as_primitive::<UInt64Type>();
            let customers = batch.column(customer_idx).as_string::<i32>();
            for i in 0..batch.num_rows() {
                let v = amounts.value(i);
                if v != 0 && Money::from_units(v).to_f64().abs().log10() > fence {
                    flagged.push((
                        lines.value(i),
                        customers.value(i).to_string(),
                        Money::from_units(v),
                    ));
                }
            }
        }
        record(
            merged,
            Reason::Outlier,
            &flagged,
            "an amount far above the usual (upper quartile × 100 or more)",
        );
    }

    let mut refunders: HashSet<&str, Xxh3Builder> = HashSet::default();
    for batch in &merged.batches {
        let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
        let customers = batch.column(customer_idx).as_string::<i32>();
        for i in 0..batch.num_rows() {
            if amounts.value(i) < 0 {
                refunders.insert(customers.value(i));
            }
        }
    }
    if refunders.is_empty() {
        return;
    }
    let mut buyers: HashSet<&str, Xxh3Builder> = HashSet::default();
    for batch in &merged.batches {
        let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
        let customers = batch.column(customer_idx).as_string::<i32>();
        for i in 0..batch.num_rows() {
            if amounts.value(i) > 0 && refunders.contains(customers.value(i)) {
                buyers.insert(customers.value(i));
            }
        }
    }
    let mut orphans = Vec::new();
    for batch in &merged.batches {
        let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
        let lines = batch.column(line_idx).as_primitive::<UInt64Type>();
        let customers = batch.column(customer_idx).as_string::<i32>();
        for i in 0..batch.num_rows() {
            if amounts.value(i) < 0 && !buyers.contains(customers.value(i)) {
                orphans.push((
                    lines.value(i),
                    customers.value(i).to_string(),
                    Money::from_units(amounts.value(i)),
                ));
            }
        }
    }
    record(
        merged,
        Reason::OrphanRefund,
        &orphans,
        "a refund from a customer with no purchase in the file",
    );
}

fn record(merged: &mut Merged, reason: Reason, rows: &[(u64, String, Money)], message: &str) {
    if rows.is_empty() {
        return;
    }
    *merged.warnings.entry(reason).or_insert(0) += rows.len() as u64;
    for (line, customer, amount) in rows.iter().take(WARNING_EXAMPLES) {
        let snippet = format!("customer_id={customer}, amount={amount}");
        merged.warning_examples.push(QuarantineEntry::new(
            Location::Line { line: *line },
            None,
            None,
            reason,
            &snippet,
            message,
        ));
    }
}

fn quantile(values: &mut [f64], q: f64) -> f64 {
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f64::total_cmp);
    *v
}

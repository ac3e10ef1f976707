//! Whole-file warnings about accepted transactions: outlying amounts (D8) and refunds from
//! customers with no purchase (G7). They flag rows; they never drop them.

use crate::chunk_builder::WARNING_EXAMPLES;
use crate::merge::Merged;
use crate::quarantine::QuarantineEntry;
use arrow::array::AsArray;
use arrow::datatypes::{Decimal128Type, UInt64Type};
use arrow::record_batch::RecordBatch;
use kehu_domain::{Location, Money, Reason};
use rayon::prelude::*;
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
    let batches = &merged.batches;
    // log10 is increasing, so the quartiles of the logs are the logs of the quartiles: one
    // log per quartile instead of one per row (and per row again for the fence below, where
    // only amounts near the fence need theirs). The quartiles are taken of the sizes in money
    // units, as integers (converting every i128 to a float cost more than the selection): a
    // size's float is monotone in it, so the float of the k-th smallest size is the k-th
    // smallest float.
    let sizes = |batch| nonzero_sizes(batch, amount_idx);
    // Sizes almost always fit 64 bits (u64::MAX stands for any that does not), which halves
    // the memory and the selection's work.
    let mut narrow: Vec<u64> = per_batch(batches, |batch| {
        sizes(batch)
            .map(|u| u64::try_from(u).unwrap_or(u64::MAX))
            .collect()
    });
    let mut outliers = Vec::new();
    if narrow.len() >= 4 {
        let as_float = |units: u128| (units as f64) / Money::UNITS_PER_ONE as f64;
        let (q1, q3) = if narrow.contains(&u64::MAX) {
            let mut wide: Vec<u128> = per_batch(batches, |batch| sizes(batch).collect());
            (quantile(&mut wide, 0.25), quantile(&mut wide, 0.75))
        } else {
            (
                u128::from(quantile(&mut narrow, 0.25)),
                u128::from(quantile(&mut narrow, 0.75)),
            )
        };
        let (q1, q3) = (as_float(q1).log10(), as_float(q3).log10());
        let fence = q3 + OUTLIER_IQRS * (q3 - q1).max(0.5);
        // Below this an amount's log is surely under the fence (10^fence less a margin far
        // wider than the rounding of either side), and below `units_under` its size is surely
        // under this: only the others are converted.
        let surely_under = 10f64.powf(fence) * (1.0 - 1e-9);
        let units_under = (surely_under * Money::UNITS_PER_ONE as f64 * (1.0 - 1e-9)) as u128;
        outliers = rows_where(batches, amount_idx, customer_idx, line_idx, |v, _| {
            if v.unsigned_abs() <= units_under {
                return false;
            }
            let size = Money::from_units(v).to_f64().abs();
            v != 0 && size > surely_under && size.log10() > fence
        });
    }
    drop(narrow);

    let refunders: HashSet<&str, Xxh3Builder> = per_batch(batches, |batch| {
        let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
        let customers = batch.column(customer_idx).as_string::<i32>();
        (0..batch.num_rows())
            .filter(|&i| amounts.value(i) < 0)
            .map(|i| customers.value(i))
            .collect()
    })
    .into_iter()
    .collect();
    let mut orphans = Vec::new();
    if !refunders.is_empty() {
        let buyers: HashSet<&str, Xxh3Builder> = per_batch(batches, |batch| {
            let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
            let customers = batch.column(customer_idx).as_string::<i32>();
            (0..batch.num_rows())
                .filter(|&i| amounts.value(i) > 0 && refunders.contains(customers.value(i)))
                .map(|i| customers.value(i))
                .collect()
        })
        .into_iter()
        .collect();
        orphans = rows_where(
            batches,
            amount_idx,
            customer_idx,
            line_idx,
            |v, customer| v < 0 && !buyers.contains(customer),
        );
    }
    record(
        merged,
        Reason::Outlier,
        &outliers,
        "an amount far above the usual (upper quartile × 100 or more)",
    );
    record(
        merged,
        Reason::OrphanRefund,
        &orphans,
        "a refund from a customer with no purchase in the file",
    );
}

/// Runs `f` on every batch in parallel and joins the results in batch order.
/// The sizes (absolute values, in money units) of a batch's amounts other than zero.
fn nonzero_sizes(batch: &RecordBatch, amount_idx: usize) -> impl Iterator<Item = u128> + '_ {
    let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
    amounts
        .values()
        .iter()
        .filter(|v| **v != 0)
        .map(|v| v.unsigned_abs())
}

fn per_batch<'b, T: Send>(
    batches: &'b [RecordBatch],
    f: impl Fn(&'b RecordBatch) -> Vec<T> + Sync + Send,
) -> Vec<T> {
    batches
        .par_iter()
        .map(f)
        .collect::<Vec<Vec<T>>>()
        .into_iter()
        .flatten()
        .collect()
}

/// (line, customer, amount) of the rows whose amount and customer satisfy `keep`.
fn rows_where(
    batches: &[RecordBatch],
    amount_idx: usize,
    customer_idx: usize,
    line_idx: usize,
    keep: impl Fn(i128, &str) -> bool + Sync + Send,
) -> Vec<(u64, String, Money)> {
    per_batch(batches, |batch| {
        let amounts = batch.column(amount_idx).as_primitive::<Decimal128Type>();
        let lines = batch.column(line_idx).as_primitive::<UInt64Type>();
        let customers = batch.column(customer_idx).as_string::<i32>();
        (0..batch.num_rows())
            .filter(|&i| keep(amounts.value(i), customers.value(i)))
            .map(|i| {
                (
                    lines.value(i),
                    customers.value(i).to_string(),
                    Money::from_units(amounts.value(i)),
                )
            })
            .collect()
    })
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

fn quantile<T: Ord + Copy>(values: &mut [T], q: f64) -> T {
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    let (_, v, _) = values.select_nth_unstable(k);
    *v
}

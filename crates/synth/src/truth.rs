use crate::customer_sim::CustomerSim;
use crate::parquet_table::ParquetTable;
use crate::text_format::{TextFormat, push_cents, push_u64};
use crate::{SynthError, TruthModel};
use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int32Builder,
    Int64Builder, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

/// Column names of `truth/customers_truth.{csv,parquet}` (English in every language: the truth
/// is for tests, not for analysts).
pub(crate) const TRUTH_COLUMNS: [&str; 15] = [
    "customer_id",
    "potential",
    "alive",
    "lambda",
    "p",
    "nu",
    "mean_order_value",
    "age_days",
    "repeat_purchases",
    "orders",
    "returns",
    "net_revenue",
    "first_order_date",
    "last_order_date",
    "last_activity_date",
];

const NO_DAY: u32 = u32::MAX;

/// Exact aggregates of one customer's clean transaction rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Totals {
    /// Distinct order ids.
    pub(crate) orders: u32,
    /// Return rows.
    pub(crate) returns: u32,
    /// Sum of all amounts, returns included, in cents.
    pub(crate) net_cents: i64,
    /// First and last day with a purchase row.
    pub(crate) first_order: u32,
    pub(crate) last_order: u32,
    /// Last day with any row, returns included.
    pub(crate) last_activity: u32,
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            orders: 0,
            returns: 0,
            net_cents: 0,
            first_order: NO_DAY,
            last_order: 0,
            last_activity: 0,
        }
    }
}

/// Per-customer aggregates accumulated while the rows are written, and the truth table.
#[derive(Debug, Clone)]
pub(crate) struct Truth {
    pub(crate) totals: Vec<Totals>,
}

impl Truth {
    pub(crate) fn new(customers: usize) -> Self {
        Truth {
            totals: vec![Totals::default(); customers],
        }
    }

    /// Counts a purchase (a new order id) of `customer` on `day`.
    pub(crate) fn add_order(&mut self, customer: u32, day: u32) {
        if let Some(t) = self.totals.get_mut(customer as usize) {
            t.orders += 1;
            t.first_order = t.first_order.min(day);
            t.last_order = t.last_order.max(day);
        }
    }

    /// Counts one written row.
    pub(crate) fn add_row(&mut self, customer: u32, day: u32, cents: i64) {
        if let Some(t) = self.totals.get_mut(customer as usize) {
            t.net_cents += cents;
            t.last_activity = t.last_activity.max(day);
            if cents < 0 {
                t.returns += 1;
            }
        }
    }

    /// Writes `customers_truth.csv`, one line per customer in customer-id order.
    pub(crate) fn write_csv(
        &self,
        path: &Path,
        customers: &[CustomerSim],
        by_id: &[u32],
        model: &TruthModel,
        format: &TextFormat,
        window_days: u32,
    ) -> Result<(), SynthError> {
        let file = File::create(path).map_err(SynthError::io(path))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut line = TRUTH_COLUMNS.join(",").into_bytes();
        line.push(b'\n');
        for (id, &index) in (1..).zip(by_id) {
            let (Some(sim), Some(totals)) = (
                customers.get(index as usize),
                self.totals.get(index as usize),
            ) else {
                continue;
            };
            format.push_customer_id(&mut line, id);
            line.push(b',');
            line.extend_from_slice(if sim.potential { b"true," } else { b"false," });
            if !sim.potential {
                line.extend_from_slice(if sim.alive { b"true" } else { b"false" });
            }
            let floats = format!(",{},{},{},{},", sim.lambda, sim.p, sim.nu, model.p / sim.nu);
            line.extend_from_slice(floats.as_bytes());
            if !sim.potential {
                push_u64(&mut line, u64::from(window_days - sim.first_day));
            }
            line.push(b',');
            push_u64(&mut line, u64::from(sim.repeats));
            line.push(b',');
            push_u64(&mut line, u64::from(totals.orders));
            line.push(b',');
            push_u64(&mut line, u64::from(totals.returns));
            line.push(b',');
            push_cents(&mut line, totals.net_cents);
            for day in [totals.first_order, totals.last_order, totals.last_activity] {
                line.push(b',');
                if totals.orders > 0 {
                    format.push_date(&mut line, day);
                }
            }
            line.push(b'\n');
            if line.len() > 1 << 16 {
                out.write_all(&line).map_err(SynthError::io(path))?;
                line.clear();
            }
        }
        out.write_all(&line)
            .and_then(|()| out.flush())
            .map_err(SynthError::io(path))
    }

    /// Writes `customers_truth.parquet`: the same columns, typed (booleans, float64, int,
    /// decimal128(18, 2), date32; nulls where the CSV is empty).
    pub(crate) fn write_parquet(
        &self,
        path: &Path,
        customers: &[CustomerSim],
        by_id: &[u32],
        model: &TruthModel,
        format: &TextFormat,
        window_days: u32,
    ) -> Result<(), SynthError> {
        let types = [
            (DataType::Utf8, false),
            (DataType::Boolean, false),
            (DataType::Boolean, true),
            (DataType::Float64, false),
            (DataType::Float64, false),
            (DataType::Float64, false),
            (DataType::Float64, false),
            (DataType::Int32, true),
            (DataType::Int64, false),
            (DataType::Int64, false),
            (DataType::Int64, false),
            (DataType::Decimal128(18, 2), false),
            (DataType::Date32, true),
            (DataType::Date32, true),
            (DataType::Date32, true),
        ];
        let fields: Vec<Field> = TRUTH_COLUMNS
            .iter()
            .zip(types)
            .map(|(name, (data_type, nullable))| Field::new(*name, data_type, nullable))
            .collect();
        let mut table = ParquetTable::create(path, Arc::new(Schema::new(fields)))?;
        for chunk_start in (0..by_id.len()).step_by(1 << 20) {
            let chunk = &by_id[chunk_start..(chunk_start + (1 << 20)).min(by_id.len())];
            let n = chunk.len();
            let mut id = StringBuilder::with_capacity(n, n * 8);
            let mut potential = BooleanBuilder::with_capacity(n);
            let mut alive = BooleanBuilder::with_capacity(n);
            let mut floats: [Float64Builder; 4] =
                std::array::from_fn(|_| Float64Builder::with_capacity(n));
            let mut age = Int32Builder::with_capacity(n);
            let mut counts: [Int64Builder; 3] =
                std::array::from_fn(|_| Int64Builder::with_capacity(n));
            let mut net =
                Decimal128Builder::with_capacity(n).with_data_type(DataType::Decimal128(18, 2));
            let mut dates: [Date32Builder; 3] =
                std::array::from_fn(|_| Date32Builder::with_capacity(n));
            let mut text = Vec::with_capacity(12);
            for (offset, &index) in chunk.iter().enumerate() {
                let (Some(sim), Some(totals)) = (
                    customers.get(index as usize),
                    self.totals.get(index as usize),
                ) else {
                    continue;
                };
                text.clear();
                format.push_customer_id(&mut text, (chunk_start + offset + 1) as u32);
                id.append_value(std::str::from_utf8(&text).unwrap_or_default());
                potential.append_value(sim.potential);
                alive.append_option((!sim.potential).then_some(sim.alive));
                for (builder, value) in
                    floats
                        .iter_mut()
                        .zip([sim.lambda, sim.p, sim.nu, model.p / sim.nu])
                {
                    builder.append_value(value);
                }
                age.append_option((!sim.potential).then_some((window_days - sim.first_day) as i32));
                for (builder, value) in
                    counts
                        .iter_mut()
                        .zip([sim.repeats, totals.orders, totals.returns])
                {
                    builder.append_value(i64::from(value));
                }
                net.append_value(i128::from(totals.net_cents));
                for (builder, day) in dates.iter_mut().zip([
                    totals.first_order,
                    totals.last_order,
                    totals.last_activity,
                ]) {
                    builder.append_option(
                        (totals.orders > 0).then(|| format.epoch_day(i64::from(day))),
                    );
                }
            }
            let [lambda, p, nu, mean] = floats.map(|mut b| Arc::new(b.finish()) as ArrayRef);
            let [repeats, orders, returns] = counts.map(|mut b| Arc::new(b.finish()) as ArrayRef);
            let [first, last, activity] = dates.map(|mut b| Arc::new(b.finish()) as ArrayRef);
            table.write(vec![
                Arc::new(id.finish()),
                Arc::new(potential.finish()),
                Arc::new(alive.finish()),
                lambda,
                p,
                nu,
                mean,
                Arc::new(age.finish()),
                repeats,
                orders,
                returns,
                Arc::new(net.finish()),
                first,
                last,
                activity,
            ])?;
        }
        table.finish()
    }
}

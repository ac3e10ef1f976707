use crate::SynthError;
use crate::customer_sim::Event;
use crate::dirt::{Dirt, DirtRecord};
use crate::order_lines::OrderLines;
use crate::plan::Plan;
use crate::population::Population;
use crate::streams::Streams;
use crate::transaction_csv::TransactionCsv;
use crate::transaction_parquet::TransactionParquet;
use crate::transaction_row::TransactionRow;
use crate::truth::Truth;
use std::collections::HashMap;

/// What writing the order log produced besides the files.
#[derive(Debug, Clone)]
pub(crate) struct TransactionLog {
    pub(crate) truth: Truth,
    pub(crate) orders: u64,
    pub(crate) returns: u64,
    pub(crate) rows: u64,
    /// Dirty lines of `transactions.csv`, in line order.
    pub(crate) dirt: Vec<DirtRecord>,
    /// Physical lines of `transactions.csv`, header included (0 when not written).
    pub(crate) csv_lines: u64,
}

impl TransactionLog {
    /// Walks the sorted events, draws each order's lines again from its stream, numbers the
    /// orders in time order and writes every row to the sinks, accumulating the truth.
    pub(crate) fn write(
        plan: &Plan,
        population: &Population,
        streams: &Streams,
        mut csv: Option<TransactionCsv<'_>>,
        mut parquet: Option<TransactionParquet<'_>>,
    ) -> Result<Self, SynthError> {
        let mut truth = Truth::new(plan.customers.len());
        // Order ids of purchases whose return is still to come; looked up, never iterated.
        let mut returned: HashMap<(u32, u16), u64> = HashMap::new();
        let mut order = OrderLines::default();
        let (mut orders, mut returns, mut rows) = (0u64, 0u64, 0u64);
        for event in &plan.events {
            let Some(sim) = plan.customers.get(event.customer as usize) else {
                continue;
            };
            let customer_id = plan
                .ids
                .get(event.customer as usize)
                .copied()
                .unwrap_or_default();
            order.draw(
                &mut streams.order(event.customer, event.seq),
                sim,
                population,
                event.lines,
            );
            let day = event.day();
            let (order_id, lines) = if event.is_return() {
                let Some(order_id) = returned.remove(&(event.customer, event.seq)) else {
                    continue;
                };
                let line = event.returned_line();
                returns += 1;
                (order_id, line..line + 1)
            } else {
                orders += 1;
                if event.tag & Event::RETURNED != 0 {
                    returned.insert((event.customer, event.seq), orders);
                }
                truth.add_order(event.customer, day);
                (orders, 0..plan.lines_written(event))
            };
            let sign = if event.is_return() { -1 } else { 1 };
            for line in order.lines.get(lines).unwrap_or_default() {
                let row = TransactionRow {
                    customer_id,
                    order_id,
                    day,
                    amount: sign * line.amount,
                    quantity: sign as i32 * line.quantity,
                    unit_price: line.unit_price,
                    product: line.product,
                    category: line.category,
                    channel: order.channel,
                    region: order.region,
                    discount: sign * line.discount,
                };
                truth.add_row(event.customer, day, row.amount);
                rows += 1;
                if let Some(csv) = csv.as_mut() {
                    csv.write(&row)?;
                }
                if let Some(parquet) = parquet.as_mut() {
                    parquet.write(&row)?;
                }
            }
        }
        let (dirt, csv_lines) = match csv {
            Some(csv) => {
                let (dirt, lines): (Dirt, u64) = csv.finish()?;
                (dirt.records, lines)
            }
            None => (Vec::new(), 0),
        };
        if let Some(parquet) = parquet {
            parquet.finish()?;
        }
        Ok(TransactionLog {
            truth,
            orders,
            returns,
            rows,
            dirt,
            csv_lines,
        })
    }
}

use crate::engine::{FeatureEngine, FeatureError};
use arrow::array::AsArray;
use arrow::datatypes::TimestampMicrosecondType;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;

/// The columns of the customer summary, in order.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "customer_id",
    "orders",
    "revenue",
    "sales",
    "returns",
    "return_orders",
    "aov",
    "first_order",
    "last_order",
    "recency_days",
    "tenure_days",
];

/// The day after the last transaction: the default `as_of`.
pub fn default_as_of(transactions: &[RecordBatch]) -> Option<NaiveDate> {
    let last = transactions
        .iter()
        .filter_map(|b| {
            b.schema().index_of("ts").ok().map(|i| {
                b.column(i)
                    .as_primitive::<TimestampMicrosecondType>()
                    .clone()
            })
        })
        .filter_map(|ts| arrow::compute::max(&ts))
        .max()?;
    let day = chrono::DateTime::from_timestamp_micros(last)?.date_naive();
    day.succ_opt()
}

/// One row per customer of the registered `transactions` table, as of `as_of` (exclusive):
///
/// - `orders`: distinct orders whose net amount is positive (purchases);
/// - `revenue`: net amount, returns included (exact decimal); `sales`: positive amounts;
///   `returns`: negative amounts (a negative number); `return_orders`: orders with a negative
///   net amount;
/// - `aov`: revenue / orders (null without orders);
/// - `first_order`, `last_order`: first and last purchase time;
/// - `recency_days`, `tenure_days`: whole days from the last and first purchase day to
///   `as_of`.
pub fn customer_summary(
    engine: &FeatureEngine,
    as_of: NaiveDate,
) -> Result<Vec<RecordBatch>, FeatureError> {
    let as_of = as_of.format("%Y-%m-%d");
    // One pass over the lines: each (customer, order) group carries its net amount, its
    // positive part and its first time, and the customer totals are sums of those; returns
    // are revenue − sales (every non-null line is positive, negative or zero, and decimal sums
    // are exact). The query before scanned the lines a second time for the money columns and
    // joined the two halves.
    let query = format!(
        r#"
        WITH orders AS (
            SELECT customer_id,
                   min(ts) AS ts,
                   sum(amount) AS amount,
                   sum(amount) FILTER (WHERE amount > 0) AS sales
            FROM transactions
            WHERE ts < TIMESTAMP '{as_of} 00:00:00'
            GROUP BY customer_id, order_id
        ),
        per_customer AS (
            SELECT customer_id,
                   count(*) FILTER (WHERE amount > 0) AS orders,
                   sum(amount) AS revenue,
                   coalesce(sum(sales), 0) AS sales,
                   coalesce(sum(amount), 0) - coalesce(sum(sales), 0) AS returns,
                   count(*) FILTER (WHERE amount < 0) AS return_orders,
                   min(ts) FILTER (WHERE amount > 0) AS first_order,
                   max(ts) FILTER (WHERE amount > 0) AS last_order
            FROM orders GROUP BY customer_id
        )
        SELECT customer_id,
               orders,
               revenue,
               sales,
               returns,
               return_orders,
               CASE WHEN orders > 0 THEN CAST(revenue AS DOUBLE) / orders END AS aov,
               first_order,
               last_order,
               CAST(DATE '{as_of}' - CAST(last_order AS DATE) AS BIGINT) AS recency_days,
               CAST(DATE '{as_of}' - CAST(first_order AS DATE) AS BIGINT) AS tenure_days
        FROM per_customer
        ORDER BY customer_id
        "#
    );
    // Grouping by (customer, order) shrinks the lines by less than half (1e7 lines, 6.0M
    // orders), so DataFusion's partial aggregation before the repartition is mostly wasted
    // work: skipping it when a partition's groups exceed half its rows made this query about
    // a quarter faster at 1e7 lines (bench/, docs/BENCHMARKS.md). Same plan otherwise, same
    // results; the setting is for this query only.
    let mut state = engine.context().state();
    state
        .config_mut()
        .options_mut()
        .execution
        .skip_partial_aggregation_probe_ratio_threshold = 0.5;
    let ctx = SessionContext::new_with_state(state);
    engine.block_on(async { Ok(ctx.sql(&query).await?.collect().await?) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        Array, Decimal128Array, Int64Array, StringArray, TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    use std::sync::Arc;

    fn micros(day: &str) -> i64 {
        let d: NaiveDate = day.parse().expect("date");
        d.and_hms_opt(10, 0, 0)
            .expect("time")
            .and_utc()
            .timestamp_micros()
    }

    #[test]
    fn summary_nets_returns_and_counts_purchases() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("customer_id", DataType::Utf8, false),
            Field::new("order_id", DataType::Utf8, false),
            Field::new(
                "ts",
                DataType::Timestamp(TimeUnit::Microsecond, None),
                false,
            ),
            Field::new("amount", DataType::Decimal128(38, 4), false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["a", "a", "a", "b", "a"])),
                Arc::new(StringArray::from(vec!["1", "1", "C1", "2", "3"])),
                Arc::new(TimestampMicrosecondArray::from(vec![
                    micros("2024-01-01"),
                    micros("2024-01-01"),
                    micros("2024-01-05"),
                    micros("2024-01-03"),
                    micros("2024-02-01"),
                ])),
                Arc::new(
                    Decimal128Array::from(vec![100_000i128, 50_000, -30_000, 70_000, 10_000])
                        .with_precision_and_scale(38, 4)
                        .expect("decimal"),
                ),
            ],
        )
        .expect("batch");
        let engine = FeatureEngine::new().expect("engine");
        engine
            .register("transactions", schema, vec![batch.clone()])
            .expect("register");
        assert_eq!(
            default_as_of(&[batch]),
            "2024-01-06"
                .parse()
                .ok()
                .filter(|_| false)
                .or("2024-02-02".parse().ok())
        );
        let out = customer_summary(&engine, "2024-01-10".parse().expect("date")).expect("summary");
        let out = arrow::compute::concat_batches(&out[0].schema(), &out).expect("concat");
        let ids = out.column(0).as_string::<i32>();
        assert_eq!(ids.value(0), "a");
        let orders = out
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("i64");
        assert_eq!(orders.value(0), 1, "order 3 is after as_of; C1 is a return");
        let revenue = out
            .column(2)
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .expect("decimal");
        assert_eq!(revenue.value(0), 120_000);
        let money = |name: &str| {
            out.column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<Decimal128Array>())
                .map(|c| (c.value(0), c.value(1), c.data_type().clone()))
                .expect("decimal column")
        };
        let (a, b, ty) = money("sales");
        assert_eq!(
            (a, b, ty.clone()),
            (150_000, 70_000, DataType::Decimal128(38, 4))
        );
        assert_eq!(money("returns"), (-30_000, 0, ty));
        let return_orders = out
            .column_by_name("return_orders")
            .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
            .expect("i64");
        assert_eq!((return_orders.value(0), return_orders.value(1)), (1, 0));
        let recency = out
            .column(9)
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("i64");
        assert_eq!(recency.value(0), 9);
        assert_eq!(recency.value(1), 7);
    }
}

//! The BTYD ("buy till you die") summary of each customer: frequency, recency (`t_x`), age
//! (`T`) and mean repeat spend, as the BG/NBD, Pareto/NBD and Gamma-Gamma models take them.
//!
//! The conventions are those of Fader, Hardie & Lee (2005), of R's BTYD and of lifetimes, and
//! reproduce the published CDNOW summary (`tests/cdnow_btyd_summary.rs`):
//!
//! - a customer's lines are merged per calendar day: one purchase *occasion* per day whose net
//!   amount is positive, or zero without any return that day (CDNOW's $0 records are
//!   purchases; a purchase cancelled the same day is not);
//! - `bt_frequency` = occasions − 1 (repeat occasions only);
//! - `bt_t_x` = last occasion day − first occasion day;
//! - `bt_T` = (`as_of` − 1 day) − first occasion day: `as_of` is the first day *not* observed,
//!   so the observation period ends the day before, and a customer whose only purchase is on
//!   that last day has `T` = 0 (lifetimes' `observation_period_end`, CDNOW's 1997-09-30);
//! - `bt_monetary` = mean net amount of the repeat occasions (the first is left out), null
//!   without repeats (lifetimes writes 0 there).
//!
//! Times are whole days divided by the time unit's days (7 for weeks).

use crate::feature_table::QueryDates;

/// `purchase_days` (net amount per customer and day), `occasions` and `btyd`, one row per
/// customer with at least one occasion. Reads `lines` (see `purchase_history`).
pub(crate) const CTES: &str = r#"purchase_days AS (
    SELECT customer_id, days_before, sum(amount) AS amount, min(amount) AS smallest
    FROM lines GROUP BY customer_id, days_before
),
occasions AS (
    SELECT customer_id, days_before, amount
    FROM purchase_days
    WHERE amount > 0 OR (amount = 0 AND smallest >= 0)
),
btyd AS (
    -- Repeat spend = all occasions less the first (the most days before as_of; one per day),
    -- exact in decimals; a row_number window over the occasions cost a sort of all of them,
    -- an ordered first_value 0.9 s more than kehu_value_at_max at 10M lines.
    SELECT customer_id,
           count(*) - 1 AS frequency,
           max(days_before) - min(days_before) AS t_x_days,
           max(days_before) - 1 AS t_days,
           sum(amount) - kehu_value_at_max(amount, days_before) AS repeat_amount
    FROM occasions GROUP BY customer_id
)"#;

/// Joins onto `ids i`.
pub(crate) const JOINS: &str = "LEFT JOIN btyd b ON b.customer_id = i.customer_id";

/// `bt_frequency`, `bt_t_x`, `bt_T`, `bt_monetary`.
pub(crate) fn columns(d: &QueryDates) -> Vec<String> {
    let unit = f64::from(d.unit_days);
    vec![
        "CAST(b.frequency AS BIGINT) AS bt_frequency".into(),
        format!("CAST(b.t_x_days AS DOUBLE) / {unit:.1} AS bt_t_x"),
        format!("CAST(b.t_days AS DOUBLE) / {unit:.1} AS \"bt_T\""),
        "CASE WHEN b.frequency > 0 THEN CAST(b.repeat_amount AS DOUBLE) / b.frequency END \
         AS bt_monetary"
            .into(),
    ]
}

/// Every purchase occasion before `options.as_of`, counted exactly as the BTYD columns count
/// them: `customer_id` and `days_before` (whole days from the occasion's day to `as_of`), one
/// row per customer and day, ordered. The backtest's tracking curve is built from it.
pub fn purchase_occasions(
    engine: &crate::FeatureEngine,
    options: &crate::FeatureOptions,
) -> Result<Vec<arrow::array::RecordBatch>, crate::FeatureError> {
    let dates = QueryDates::new(options);
    engine.sql(&format!(
        "WITH {},\n{CTES}\nSELECT customer_id, days_before FROM occasions ORDER BY customer_id, days_before",
        crate::purchase_history::lines_cte(&dates)
    ))
}

//! The feature table's purchase columns, from `transactions` alone: orders and money, timing,
//! trend, discounts, categories, channel and region.
//!
//! Every float is computed from exact values in one last step (a division or a square root of
//! exact sums), so the results do not depend on how DataFusion splits the work across threads.

use crate::feature_table::QueryDates;
use crate::purchase_gaps::PURCHASE_GAPS;
use crate::sole_value::SOLE_VALUE;
use crate::top_value::TOP_VALUE;

/// Microseconds in a day: timestamps are compared in microseconds.
const DAY_US: &str = "86400000000.0";

/// The table the order totals are computed into once per feature table (see [`orders_query`]).
pub(crate) const ORDERS_TABLE: &str = "kehu_orders";

/// The common table expressions of transactions before `as_of`, with `days_before` (the whole
/// days from the line's day to `as_of`).
pub(crate) fn lines_cte(d: &QueryDates) -> String {
    let as_of_date = &d.as_of_date;
    let as_of_ts = &d.as_of_ts;
    format!(
        r#"lines AS (
    SELECT customer_id, order_id, ts, amount, discount, category, channel, region,
           CAST({as_of_date} - CAST(ts AS DATE) AS BIGINT) AS days_before
    FROM transactions
    WHERE ts < {as_of_ts}
)"#
    )
}

/// One row per order before `as_of`: its first time, net amount, whether any line had a
/// discount, and its channel and region when its lines name one each (`channel_lines` and
/// `region_lines` count the lines naming any: an order with lines but no sole value has
/// several, see [`MIXED_PLACES_TABLE`]). Several parts of the feature table read the orders;
/// DataFusion recomputes a CTE at every reference, so the feature step materialises this once
/// (at 10M lines the aggregation ran four times).
pub(crate) fn orders_query(d: &QueryDates) -> String {
    format!(
        "WITH {lines}
SELECT customer_id, order_id, min(ts) AS ts, sum(amount) AS amount,
       max(CASE WHEN discount > 0 THEN 1 ELSE 0 END) AS discounted,
       {SOLE_VALUE}(channel) AS channel, count(channel) AS channel_lines,
       {SOLE_VALUE}(region) AS region, count(region) AS region_lines
FROM lines GROUP BY customer_id, order_id",
        lines = lines_cte(d)
    )
}

/// The table of the distinct (customer, order, channel, region) lines of the purchase orders
/// placed in several channels or regions, computed once per feature table (see
/// [`mixed_places_query`]).
pub(crate) const MIXED_PLACES_TABLE: &str = "kehu_mixed_places";

/// Purchase orders (net amount above zero) placed in several channels or regions.
const MIXED_ORDERS: &str = "amount > 0
      AND ((channel IS NULL AND channel_lines > 0) OR (region IS NULL AND region_lines > 0))";

/// How many purchase orders [`MIXED_PLACES_TABLE`] is about.
pub(crate) fn mixed_orders_query() -> String {
    format!("SELECT count(*) AS n FROM {ORDERS_TABLE} WHERE {MIXED_ORDERS}")
}

/// The lines of the mixed purchase orders, each distinct (customer, order, channel, region)
/// once, with which of the two columns is mixed. `top_channel` and `top_region` read the
/// orders' sole values and these; when `any` is false (the usual case) the query is planned
/// empty, sparing a pass over the lines. Joining every order back to its lines instead took
/// 4.1 s of the 10M-line feature table.
pub(crate) fn mixed_places_query(d: &QueryDates, any: bool) -> String {
    let any = if any { "" } else { " AND false" };
    format!(
        "WITH {lines}
SELECT DISTINCT l.customer_id, l.order_id, l.channel, l.region,
       o.channel IS NULL AS channel_mixed, o.region IS NULL AS region_mixed
FROM lines l
JOIN (SELECT customer_id, order_id, channel, region FROM {ORDERS_TABLE}
      WHERE {MIXED_ORDERS}{any}) o
  ON l.customer_id = o.customer_id AND l.order_id = o.order_id",
        lines = lines_cte(d)
    )
}

/// The common table expressions: `lines`, `orders` (read from [`ORDERS_TABLE`]), `purchases`
/// (orders with a positive net amount), and one row per customer in each of `order_stats`,
/// `line_stats`, `gap_stats`, `top_category`, `top_channel` and `top_region`.
pub(crate) fn ctes(d: &QueryDates) -> String {
    let lines = lines_cte(d);
    let recent_ts = &d.recent_ts;
    let previous_ts = &d.previous_ts;
    let top_channel = most_ordered("channel");
    let top_region = most_ordered("region");
    format!(
        r#"{lines},
orders AS (SELECT * FROM {ORDERS_TABLE}),
purchases AS (
    SELECT customer_id, CAST(ts AS BIGINT) AS us
    FROM orders WHERE amount > 0
),
order_stats AS (
    SELECT customer_id,
           count(*) FILTER (WHERE amount > 0) AS orders,
           count(*) FILTER (WHERE amount < 0) AS return_orders,
           count(*) FILTER (WHERE amount > 0 AND discounted = 1) AS discounted_orders,
           min(ts) FILTER (WHERE amount > 0) AS first_order,
           max(ts) FILTER (WHERE amount > 0) AS last_order
    FROM orders GROUP BY customer_id
),
line_stats AS (
    SELECT customer_id,
           sum(amount) AS revenue,
           coalesce(sum(amount) FILTER (WHERE amount > 0), 0) AS sales,
           coalesce(sum(amount) FILTER (WHERE amount < 0), 0) AS returns,
           coalesce(sum(amount) FILTER (WHERE ts >= {recent_ts}), 0) AS revenue_recent,
           coalesce(sum(amount) FILTER (WHERE ts >= {previous_ts} AND ts < {recent_ts}), 0)
               AS revenue_previous,
           count(discount) AS discount_values
    FROM lines GROUP BY customer_id
),
gap_stats AS (
    -- Gaps between consecutive purchases, from each customer's sorted times; a window
    -- (lag over the purchases sorted by customer) and a second aggregation took 2.6 s at 10M
    -- lines, see `purchase_gaps`.
    SELECT customer_id, get_field(g, 'n') AS n, get_field(g, 's1') AS s1,
           get_field(g, 's2') AS s2, get_field(g, 'last') AS last_gap
    FROM (SELECT customer_id, {PURCHASE_GAPS}(us) AS g FROM purchases GROUP BY customer_id) p
),
category_sales AS (
    SELECT customer_id, category, sum(amount) AS sales
    FROM lines WHERE amount > 0 AND category IS NOT NULL
    GROUP BY customer_id, category
),
top_category AS (
    -- `categories` is counted here, from one row per (customer, category): a
    -- count(DISTINCT category) per customer over the lines cost 1.7 GB and 1 s at 1M lines.
    -- The top category's sales are the largest (ties: the smallest name); aggregates
    -- instead of windows (sum, count and row_number over the partitions) halved this part
    -- at 10M lines, and kehu_top instead of an ordered first_value saved ~1 s more.
    SELECT customer_id,
           {TOP_VALUE}(category, sales) AS category,
           CAST(max(sales) AS DOUBLE) / CAST(sum(sales) AS DOUBLE) AS share,
           count(*) AS categories
    FROM category_sales GROUP BY customer_id
),
top_channel AS ({top_channel}),
top_region AS ({top_region})"#
    )
}

/// The value of `column` found on the most purchase orders of each customer; ties go to the
/// smallest value. An order counts once for each distinct value on its lines: its sole value,
/// or those of its lines when it has several.
fn most_ordered(column: &str) -> String {
    format!(
        r#"
    SELECT customer_id, {TOP_VALUE}({column}, n) AS {column}
    FROM (
        SELECT customer_id, {column}, count(*) AS n
        FROM (
            SELECT customer_id, {column} FROM orders
            WHERE amount > 0 AND {column} IS NOT NULL
            UNION ALL
            SELECT customer_id, {column} FROM (
                SELECT DISTINCT customer_id, order_id, {column} FROM {MIXED_PLACES_TABLE}
                WHERE {column}_mixed AND {column} IS NOT NULL
            ) mixed
        ) placed
        GROUP BY customer_id, {column}
    ) counted
    GROUP BY customer_id
"#
    )
}

/// Joins onto `ids i`.
pub(crate) const JOINS: &str = "LEFT JOIN order_stats o ON o.customer_id = i.customer_id
LEFT JOIN line_stats s ON s.customer_id = i.customer_id
LEFT JOIN gap_stats g ON g.customer_id = i.customer_id
LEFT JOIN top_category tc ON tc.customer_id = i.customer_id
LEFT JOIN top_channel tch ON tch.customer_id = i.customer_id
LEFT JOIN top_region trg ON trg.customer_id = i.customer_id";

/// The select list, `orders` to `region`; `region` falls back on the customers table's region
/// and province first when it is registered (alias `c`).
pub(crate) fn columns(d: &QueryDates, customers: bool) -> Vec<String> {
    let as_of_date = &d.as_of_date;
    let region = if customers {
        "coalesce(c.region, c.province, trg.region)"
    } else {
        "trg.region"
    };
    vec![
        "CAST(coalesce(o.orders, 0) AS BIGINT) AS orders".into(),
        "CAST(s.revenue AS DECIMAL(38, 4)) AS revenue".into(),
        "CAST(s.sales AS DECIMAL(38, 4)) AS sales".into(),
        "CAST(s.returns AS DECIMAL(38, 4)) AS returns".into(),
        "CAST(o.return_orders AS BIGINT) AS return_orders".into(),
        "CASE WHEN s.sales > 0 THEN CAST(-s.returns AS DOUBLE) / CAST(s.sales AS DOUBLE) END \
         AS return_rate"
            .into(),
        "CASE WHEN o.orders > 0 THEN CAST(s.revenue AS DOUBLE) / o.orders END AS aov".into(),
        "o.first_order AS first_order".into(),
        "o.last_order AS last_order".into(),
        format!("CAST({as_of_date} - CAST(o.last_order AS DATE) AS BIGINT) AS recency_days"),
        format!("CAST({as_of_date} - CAST(o.first_order AS DATE) AS BIGINT) AS tenure_days"),
        format!(
            "CASE WHEN o.orders > 1 THEN CAST(CAST(o.last_order AS BIGINT) - \
             CAST(o.first_order AS BIGINT) AS DOUBLE) / (o.orders - 1) / {DAY_US} END \
             AS interval_mean_days"
        ),
        format!(
            "CASE WHEN g.n > 1 THEN sqrt(CAST(g.n * g.s2 - g.s1 * g.s1 AS DOUBLE) / \
             (g.n * (g.n - 1))) / {DAY_US} END AS interval_sd_days"
        ),
        format!("CAST(g.last_gap AS DOUBLE) / {DAY_US} AS last_gap_days"),
        "CAST(s.revenue_recent AS DECIMAL(38, 4)) AS revenue_recent".into(),
        "CAST(s.revenue_previous AS DECIMAL(38, 4)) AS revenue_previous".into(),
        "CAST(s.revenue_recent - s.revenue_previous AS DOUBLE) AS revenue_trend".into(),
        "CASE WHEN s.discount_values > 0 AND o.orders > 0 \
         THEN CAST(o.discounted_orders AS DOUBLE) / o.orders END AS discount_share"
            .into(),
        // Customers with lines but no positive line with a category have 0 categories; those
        // without any line (potential customers) have none.
        "CAST(CASE WHEN s.customer_id IS NULL THEN NULL ELSE coalesce(tc.categories, 0) END AS BIGINT) AS categories"
            .into(),
        "tc.category AS top_category".into(),
        "tc.share AS top_category_share".into(),
        "tch.channel AS top_channel".into(),
        format!("{region} AS region"),
    ]
}

//! The feature table's columns from the optional `feedback` table.

use crate::feature_table::QueryDates;

/// `feedback_rows` (before `as_of`), `feedback_stats`, `csat_last` and `nps_last`: the last
/// non-null score by time, a later source line winning a tie.
pub(crate) fn ctes(d: &QueryDates) -> String {
    let as_of_ts = &d.as_of_ts;
    let csat_last = last_value("csat");
    let nps_last = last_value("nps");
    // The mean sums exact decimals (scores have at most a few decimals) so that it does not
    // depend on the order DataFusion adds them in.
    format!(
        r#"feedback_rows AS (
    SELECT customer_id, ts, csat, nps, source_line FROM feedback WHERE ts < {as_of_ts}
),
feedback_stats AS (
    SELECT customer_id,
           count(*) AS feedback_count,
           CASE WHEN count(csat) > 0
                THEN CAST(sum(CAST(csat AS DECIMAL(20, 6))) AS DOUBLE) / count(csat) END
               AS csat_mean
    FROM feedback_rows GROUP BY customer_id
),
csat_last AS ({csat_last}),
nps_last AS ({nps_last})"#
    )
}

fn last_value(column: &str) -> String {
    format!(
        r#"
    SELECT customer_id, {column}
    FROM (
        SELECT customer_id, {column},
               row_number() OVER (PARTITION BY customer_id ORDER BY ts DESC, source_line DESC)
                   AS pos
        FROM feedback_rows WHERE {column} IS NOT NULL
    ) ranked
    WHERE pos = 1
"#
    )
}

/// Joins onto `ids i`.
pub(crate) const JOINS: &str = "LEFT JOIN feedback_stats fs ON fs.customer_id = i.customer_id
LEFT JOIN csat_last cl ON cl.customer_id = i.customer_id
LEFT JOIN nps_last nl ON nl.customer_id = i.customer_id";

/// `feedback_count` to `nps_last`.
pub(crate) const COLUMNS: &[&str] = &[
    "CAST(coalesce(fs.feedback_count, 0) AS BIGINT) AS feedback_count",
    "fs.csat_mean AS csat_mean",
    "cl.csat AS csat_last",
    "nl.nps AS nps_last",
];

//! The feature table's columns from the optional `customers` table, and its potential
//! customers (listed there, without a transaction before `as_of`).

use crate::feature_table::QueryDates;

/// `customer_rows`: one row per customer id (the last by `source_line`, as a later row of an
/// export usually updates an earlier one); `potential_customers`: the ids that signed up
/// before `as_of` or have no signup date.
/// `extras`: the table's extra attributes (`attr_…`), carried along.
pub(crate) fn ctes(d: &QueryDates, extras: &[String]) -> String {
    let as_of_date = &d.as_of_date;
    let extras: String = extras.iter().map(|e| format!(", \"{e}\"")).collect();
    format!(
        r#"customer_rows AS (
    SELECT customer_id, name, phone, gender, age, birth_date, birth_year, income, occupation,
           education, country, province, city, region, lat, lon, owner, tags, signup_date{extras}
    FROM (
        SELECT customer_id, name, phone, gender, age, birth_date, birth_year, income,
               occupation, education, country, province, city, region, lat, lon, owner, tags,
               signup_date{extras},
               row_number() OVER (PARTITION BY customer_id ORDER BY source_line DESC) AS pos
        FROM customers
    ) ranked
    WHERE pos = 1
),
potential_customers AS (
    SELECT customer_id FROM customer_rows
    WHERE signup_date IS NULL OR signup_date < {as_of_date}
)"#
    )
}

/// Joins onto `ids i`.
pub(crate) const JOINS: &str = "LEFT JOIN customer_rows c ON c.customer_id = i.customer_id";

/// `name` to `signup_date`: the customers table's attributes, then its extra ones (`attr_…`,
/// text). `age` is the `age` column, else whole years from `birth_date` to
/// `as_of`, else `as_of`'s year − `birth_year`; null for a birth after `as_of`.
pub(crate) fn columns(d: &QueryDates, extras: &[String]) -> Vec<String> {
    let (as_of_date, year, month_day) = (&d.as_of_date, d.year, d.month_day);
    let mut columns = vec![
        "c.name AS name".into(),
        "c.phone AS phone".into(),
        "c.gender AS gender".into(),
        format!(
            "coalesce(c.age, \
             CASE WHEN c.birth_date <= {as_of_date} THEN CAST({year} \
             - date_part('year', c.birth_date) \
             - CASE WHEN date_part('month', c.birth_date) * 100 \
             + date_part('day', c.birth_date) > {month_day} THEN 1 ELSE 0 END AS DOUBLE) END, \
             CASE WHEN c.birth_year <= {year} THEN {year}.0 - c.birth_year END) AS age"
        ),
        "CAST(c.income AS DECIMAL(38, 4)) AS income".into(),
        "c.occupation AS occupation".into(),
        "c.education AS education".into(),
        "c.country AS country".into(),
        "c.province AS province".into(),
        "c.city AS city".into(),
        "c.lat AS lat".into(),
        "c.lon AS lon".into(),
        "c.owner AS owner".into(),
        "c.tags AS tags".into(),
        "c.signup_date AS signup_date".into(),
    ];
    columns.extend(extras.iter().map(|e| format!("c.\"{e}\" AS \"{e}\"")));
    columns
}

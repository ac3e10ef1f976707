use crate::engine::{FeatureEngine, FeatureError};
use crate::{btyd_summary, customer_attributes, feedback_features, purchase_history};
use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;

/// Days in the default trend window (`revenue_recent` against `revenue_previous`).
pub const DEFAULT_TREND_DAYS: u32 = 90;

/// The columns every feature table has, in order (docs/features.md defines each).
pub const FEATURE_COLUMNS: &[&str] = &[
    "customer_id",
    "orders",
    "revenue",
    "sales",
    "returns",
    "return_orders",
    "return_rate",
    "aov",
    "first_order",
    "last_order",
    "recency_days",
    "tenure_days",
    "interval_mean_days",
    "interval_sd_days",
    "last_gap_days",
    "revenue_recent",
    "revenue_previous",
    "revenue_trend",
    "discount_share",
    "categories",
    "top_category",
    "top_category_share",
    "top_channel",
    "region",
    "bt_frequency",
    "bt_t_x",
    "bt_T",
    "bt_monetary",
];

/// The columns added, after [`FEATURE_COLUMNS`], when a `customers` table is registered.
pub const CUSTOMER_COLUMNS: &[&str] = &[
    "name",
    "phone",
    "gender",
    "age",
    "income",
    "occupation",
    "education",
    "country",
    "province",
    "city",
    "lat",
    "lon",
    "owner",
    "tags",
    "signup_date",
];

/// The columns added last when a `feedback` table is registered.
pub const FEEDBACK_COLUMNS: &[&str] = &["feedback_count", "csat_mean", "csat_last", "nps_last"];

/// The unit of the BTYD times `bt_t_x` and `bt_T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// Calendar days.
    Days,
    /// Weeks of seven days, the unit of the BTYD papers and of the CDNOW summaries.
    Weeks,
}

impl TimeUnit {
    /// Days in one unit.
    pub fn days(self) -> u32 {
        match self {
            TimeUnit::Days => 1,
            TimeUnit::Weeks => 7,
        }
    }

    /// The unit's English name, plural (`days`, `weeks`).
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
        }
    }
}

/// What a feature table is computed as of.
///
/// Which optional tables take part is not an option: the feature table reads `customers` and
/// `feedback` when the engine has them registered ([`FeatureEngine::has_table`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureOptions {
    /// The first day not observed: transactions and feedback dated on or after it are ignored.
    pub as_of: NaiveDate,
    /// Unit of `bt_t_x` and `bt_T`.
    pub time_unit: TimeUnit,
    /// Length of each of the two trend windows, in days.
    pub trend_days: u32,
}

impl FeatureOptions {
    /// Options as of `as_of`, with times in weeks and 90-day trend windows.
    pub fn new(as_of: NaiveDate) -> Self {
        FeatureOptions {
            as_of,
            time_unit: TimeUnit::Weeks,
            trend_days: DEFAULT_TREND_DAYS,
        }
    }
}

/// The dates a feature query needs, written as SQL literals.
pub(crate) struct QueryDates {
    /// `DATE 'as_of'`.
    pub as_of_date: String,
    /// `TIMESTAMP 'as_of 00:00:00'`.
    pub as_of_ts: String,
    /// Start of the recent trend window.
    pub recent_ts: String,
    /// Start of the previous trend window.
    pub previous_ts: String,
    /// Year of `as_of`.
    pub year: i32,
    /// Month and day of `as_of` as `month * 100 + day`.
    pub month_day: u32,
    /// Days per BTYD time unit.
    pub unit_days: u32,
}

impl QueryDates {
    pub(crate) fn new(options: &FeatureOptions) -> Self {
        use chrono::Datelike;
        let back = |days: u64| {
            options
                .as_of
                .checked_sub_days(chrono::Days::new(days))
                .unwrap_or(NaiveDate::MIN)
        };
        let ts = |d: NaiveDate| format!("TIMESTAMP '{} 00:00:00'", d.format("%Y-%m-%d"));
        let trend = u64::from(options.trend_days);
        QueryDates {
            as_of_date: format!("DATE '{}'", options.as_of.format("%Y-%m-%d")),
            as_of_ts: ts(options.as_of),
            recent_ts: ts(back(trend)),
            previous_ts: ts(back(2 * trend)),
            year: options.as_of.year(),
            month_day: options.as_of.month() * 100 + options.as_of.day(),
            unit_days: options.time_unit.days(),
        }
    }
}

/// One row per customer, ordered by `customer_id`, with the columns [`FEATURE_COLUMNS`], then
/// [`CUSTOMER_COLUMNS`] when a `customers` table is registered, then [`FEEDBACK_COLUMNS`] when a
/// `feedback` table is registered. docs/features.md defines every column.
///
/// The rows are the customers with a transaction before `as_of`, plus, when `customers` is
/// registered, the customers listed there who signed up before `as_of` (or have no signup
/// date) but have no such transaction: potential customers, with `orders` 0 and the other
/// purchase figures null. Everything is computed by DataFusion from the registered tables and
/// `options` alone.
///
/// ```
/// # use kehu_features::{FeatureEngine, FeatureOptions, TimeUnit, feature_table};
/// # use arrow::array::{Decimal128Array, StringArray, TimestampMicrosecondArray};
/// # use arrow::datatypes::{DataType, Field, Schema, TimeUnit as ArrowUnit};
/// # use arrow::record_batch::RecordBatch;
/// # use std::sync::Arc;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let engine = FeatureEngine::new()?;
/// # let utf8 = |name: &str| Field::new(name, DataType::Utf8, true);
/// # let money = |name: &str| Field::new(name, DataType::Decimal128(38, 4), true);
/// # let schema = Arc::new(Schema::new(vec![
/// #     utf8("customer_id"), utf8("order_id"),
/// #     Field::new("ts", DataType::Timestamp(ArrowUnit::Microsecond, None), false),
/// #     money("amount"), money("discount"), utf8("category"), utf8("channel"), utf8("region"),
/// # ]));
/// # let day = |d: &str| d.parse::<chrono::NaiveDate>().map(|d| d.and_time(Default::default()).and_utc().timestamp_micros());
/// # let batch = RecordBatch::try_new(schema.clone(), vec![
/// #     Arc::new(StringArray::from(vec!["c1", "c1"])),
/// #     Arc::new(StringArray::from(vec!["o1", "o2"])),
/// #     Arc::new(TimestampMicrosecondArray::from(vec![day("2024-01-01")?, day("2024-01-15")?])),
/// #     Arc::new(Decimal128Array::from(vec![100_0000, 50_0000]).with_precision_and_scale(38, 4)?),
/// #     Arc::new(Decimal128Array::from(vec![None::<i128>, None]).with_precision_and_scale(38, 4)?),
/// #     Arc::new(StringArray::from(vec![None::<&str>, None])),
/// #     Arc::new(StringArray::from(vec![None::<&str>, None])),
/// #     Arc::new(StringArray::from(vec![None::<&str>, None])),
/// # ])?;
/// // Register the canonical `transactions` table (kehu_ingest::import_file makes one).
/// engine.register("transactions", schema, vec![batch])?;
/// let options = FeatureOptions {
///     time_unit: TimeUnit::Days,
///     ..FeatureOptions::new("2024-02-01".parse()?)
/// };
/// let table = feature_table(&engine, &options)?;
/// let frequency = table[0].column_by_name("bt_frequency").expect("column");
/// assert_eq!(arrow::util::display::array_value_to_string(frequency, 0)?, "1");
/// let t = table[0].column_by_name("bt_T").expect("column");
/// assert_eq!(arrow::util::display::array_value_to_string(t, 0)?, "30.0");
/// # Ok(())
/// # }
/// ```
pub fn feature_table(
    engine: &FeatureEngine,
    options: &FeatureOptions,
) -> Result<Vec<RecordBatch>, FeatureError> {
    let dates = QueryDates::new(options);
    engine.materialise(
        purchase_history::ORDERS_TABLE,
        &purchase_history::orders_query(&dates),
    )?;
    let mixed = engine.sql(&purchase_history::mixed_orders_query())?;
    let any_mixed = mixed
        .first()
        .and_then(|b| b.column(0).as_primitive_opt::<Int64Type>())
        .is_some_and(|n| !n.is_empty() && n.value(0) > 0);
    engine.materialise(
        purchase_history::MIXED_PLACES_TABLE,
        &purchase_history::mixed_places_query(&dates, any_mixed),
    )?;
    // A customers file's extra attributes (`attr_…`) come along as they are.
    let customers = engine.has_table("customers").then(|| {
        engine
            .column_names("customers")
            .into_iter()
            .filter(|name| name.starts_with(kehu_domain::ATTRIBUTE_PREFIX))
            .collect::<Vec<_>>()
    });
    let query = feature_query(options, customers.as_deref(), engine.has_table("feedback"));
    let table = engine.sql(&query)?;
    // The intermediate tables are only for this query: their memory goes back now.
    engine.forget(purchase_history::ORDERS_TABLE)?;
    engine.forget(purchase_history::MIXED_PLACES_TABLE)?;
    Ok(table)
}

/// The feature table's SQL.
/// `customers`: with a customers table, its extra attributes.
fn feature_query(options: &FeatureOptions, customers: Option<&[String]>, feedback: bool) -> String {
    let dates = QueryDates::new(options);
    let mut ctes = vec![
        purchase_history::ctes(&dates),
        btyd_summary::CTES.to_string(),
    ];
    let mut columns = purchase_history::columns(&dates, customers.is_some());
    columns.extend(btyd_summary::columns(&dates));
    let mut joins = vec![purchase_history::JOINS, btyd_summary::JOINS];
    // Every customer with a line before as_of has an order: reading the materialised orders
    // spares a second aggregation of all lines (`line_stats`, which the joins compute anyway).
    let mut ids = format!(
        "SELECT DISTINCT customer_id FROM {}",
        purchase_history::ORDERS_TABLE
    );
    if let Some(extras) = customers {
        ctes.push(customer_attributes::ctes(&dates, extras));
        columns.extend(customer_attributes::columns(&dates, extras));
        joins.push(customer_attributes::JOINS);
        ids.push_str(" UNION SELECT customer_id FROM potential_customers");
    }
    if feedback {
        ctes.push(feedback_features::ctes(&dates));
        columns.extend(feedback_features::COLUMNS.iter().map(|c| c.to_string()));
        joins.push(feedback_features::JOINS);
    }
    format!(
        "WITH {ctes},\nids AS ({ids})\nSELECT i.customer_id,\n       {columns}\nFROM ids i\n{joins}\nORDER BY i.customer_id",
        ctes = ctes.join(",\n"),
        columns = columns.join(",\n       "),
        joins = joins.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{Table, decimal_at, engine_with, f64_at, i64_at, str_at};
    use crate::summary::{SUMMARY_COLUMNS, customer_summary};
    use arrow::array::Array;
    use arrow::datatypes::{DataType, TimeUnit as ArrowTimeUnit};

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn options(as_of: &str) -> FeatureOptions {
        FeatureOptions::new(date(as_of))
    }

    fn one_batch(batches: Vec<RecordBatch>) -> RecordBatch {
        let schema = batches.first().expect("a batch").schema();
        arrow::compute::concat_batches(&schema, &batches).expect("concat")
    }

    fn names(batch: &RecordBatch) -> Vec<String> {
        batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn transactions() -> Table {
        Table::transactions()
            .columns(&[
                "customer_id",
                "order_id",
                "ts",
                "amount",
                "discount",
                "category",
                "channel",
                "region",
            ])
            // a: three purchase orders (1, 2, 4), a return (3), one order after as_of (5).
            .row(&[
                "a",
                "1",
                "2024-01-01 10:00",
                "100",
                "5",
                "books",
                "web",
                "north",
            ])
            .row(&[
                "a",
                "1",
                "2024-01-01 10:00",
                "50",
                "",
                "music",
                "web",
                "north",
            ])
            .row(&[
                "a",
                "2",
                "2024-01-11 10:00",
                "40",
                "0",
                "music",
                "shop",
                "south",
            ])
            .row(&["a", "3", "2024-01-12 09:00", "-30", "", "books", "web", ""])
            .row(&["a", "4", "2024-03-01 10:00", "10", "", "", "shop", "south"])
            .row(&[
                "a",
                "5",
                "2024-04-02 10:00",
                "999",
                "",
                "toys",
                "web",
                "north",
            ])
            // b: one purchase, no discount values at all.
            .row(&["b", "6", "2024-03-20 08:00", "70", "", "", "", ""])
            // c: only a return.
            .row(&["c", "7", "2024-02-01 08:00", "-5", "", "", "", ""])
    }

    #[test]
    fn columns_are_in_the_documented_order() {
        let engine = engine_with(&[("transactions", transactions())]);
        let out = one_batch(feature_table(&engine, &options("2024-04-01")).expect("features"));
        assert_eq!(names(&out), FEATURE_COLUMNS);
        assert_eq!(
            (0..out.num_rows())
                .map(|r| str_at(&out, "customer_id", r))
                .collect::<Vec<_>>(),
            [Some("a".into()), Some("b".into()), Some("c".into())]
        );
    }

    #[test]
    fn purchase_history_features() {
        let engine = engine_with(&[("transactions", transactions())]);
        let out = one_batch(feature_table(&engine, &options("2024-04-01")).expect("features"));
        // a
        assert_eq!(i64_at(&out, "orders", 0), Some(3));
        assert_eq!(decimal_at(&out, "revenue", 0).as_deref(), Some("170.0000"));
        assert_eq!(decimal_at(&out, "sales", 0).as_deref(), Some("200.0000"));
        assert_eq!(decimal_at(&out, "returns", 0).as_deref(), Some("-30.0000"));
        assert_eq!(i64_at(&out, "return_orders", 0), Some(1));
        assert_eq!(f64_at(&out, "return_rate", 0), Some(0.15));
        assert_eq!(i64_at(&out, "recency_days", 0), Some(31));
        assert_eq!(i64_at(&out, "tenure_days", 0), Some(91));
        // Gaps between purchase orders: 10 days, then 50 days.
        assert_eq!(f64_at(&out, "interval_mean_days", 0), Some(30.0));
        let sd = f64_at(&out, "interval_sd_days", 0).expect("sd");
        assert!((sd - 800f64.sqrt()).abs() < 1e-9, "{sd}");
        assert_eq!(f64_at(&out, "last_gap_days", 0), Some(50.0));
        // Trend windows [2024-01-02, 2024-04-01) and [2023-10-04, 2024-01-02).
        assert_eq!(
            decimal_at(&out, "revenue_recent", 0).as_deref(),
            Some("20.0000")
        );
        assert_eq!(
            decimal_at(&out, "revenue_previous", 0).as_deref(),
            Some("150.0000")
        );
        assert_eq!(f64_at(&out, "revenue_trend", 0), Some(-130.0));
        assert_eq!(f64_at(&out, "discount_share", 0), Some(1.0 / 3.0));
        assert_eq!(i64_at(&out, "categories", 0), Some(2));
        assert_eq!(str_at(&out, "top_category", 0).as_deref(), Some("books"));
        assert_eq!(f64_at(&out, "top_category_share", 0), Some(100.0 / 190.0));
        // web: order 1; shop: orders 2 and 4 (order 3 is a return).
        assert_eq!(str_at(&out, "top_channel", 0).as_deref(), Some("shop"));
        assert_eq!(str_at(&out, "region", 0).as_deref(), Some("south"));
        // Purchase days 2024-01-01, -11, 03-01 (the return day is not one).
        assert_eq!(i64_at(&out, "bt_frequency", 0), Some(2));
        assert_eq!(f64_at(&out, "bt_t_x", 0), Some(60.0 / 7.0));
        assert_eq!(f64_at(&out, "bt_T", 0), Some(90.0 / 7.0));
        assert_eq!(f64_at(&out, "bt_monetary", 0), Some(25.0));
        // b
        assert_eq!(f64_at(&out, "interval_mean_days", 1), None);
        assert_eq!(f64_at(&out, "interval_sd_days", 1), None);
        assert_eq!(f64_at(&out, "last_gap_days", 1), None);
        assert_eq!(f64_at(&out, "discount_share", 1), None);
        assert_eq!(f64_at(&out, "return_rate", 1), Some(0.0));
        assert_eq!(i64_at(&out, "categories", 1), Some(0));
        assert_eq!(str_at(&out, "top_category", 1), None);
        assert_eq!(str_at(&out, "top_channel", 1), None);
        assert_eq!(i64_at(&out, "bt_frequency", 1), Some(0));
        assert_eq!(f64_at(&out, "bt_t_x", 1), Some(0.0));
        assert_eq!(f64_at(&out, "bt_T", 1), Some(11.0 / 7.0));
        assert_eq!(f64_at(&out, "bt_monetary", 1), None);
        // c: a customer with a return only.
        assert_eq!(i64_at(&out, "orders", 2), Some(0));
        assert_eq!(f64_at(&out, "return_rate", 2), None);
        assert_eq!(f64_at(&out, "aov", 2), None);
        assert_eq!(i64_at(&out, "bt_frequency", 2), None);
    }

    #[test]
    fn days_unit_and_sd_with_two_gaps_only() {
        let engine = engine_with(&[("transactions", transactions())]);
        let opts = FeatureOptions {
            time_unit: TimeUnit::Days,
            trend_days: 30,
            ..options("2024-04-01")
        };
        let out = one_batch(feature_table(&engine, &opts).expect("features"));
        assert_eq!(f64_at(&out, "bt_t_x", 0), Some(60.0));
        assert_eq!(f64_at(&out, "bt_T", 0), Some(90.0));
        // Recent window [2024-03-02, 2024-04-01): nothing for a, b's 70.
        assert_eq!(
            decimal_at(&out, "revenue_recent", 0).as_deref(),
            Some("0.0000")
        );
        assert_eq!(
            decimal_at(&out, "revenue_recent", 1).as_deref(),
            Some("70.0000")
        );
        // A customer with two purchase orders has a mean gap but no standard deviation.
        let out = one_batch(feature_table(&engine, &options("2024-02-01")).expect("features"));
        assert_eq!(i64_at(&out, "orders", 0), Some(2));
        assert_eq!(f64_at(&out, "interval_mean_days", 0), Some(10.0));
        assert_eq!(f64_at(&out, "interval_sd_days", 0), None);
    }

    #[test]
    fn ties_pick_the_smallest_name() {
        let tx = Table::transactions()
            .columns(&[
                "customer_id",
                "order_id",
                "ts",
                "amount",
                "category",
                "channel",
            ])
            .row(&["a", "1", "2024-01-01", "10", "zeta", "web"])
            .row(&["a", "2", "2024-01-02", "10", "alpha", "app"])
            .row(&["a", "3", "2024-01-02", "-10", "alpha", "web"]);
        let engine = engine_with(&[("transactions", tx)]);
        let out = one_batch(feature_table(&engine, &options("2024-02-01")).expect("features"));
        assert_eq!(str_at(&out, "top_category", 0).as_deref(), Some("alpha"));
        assert_eq!(f64_at(&out, "top_category_share", 0), Some(0.5));
        // Returns do not count: web and app have one purchase order each.
        assert_eq!(str_at(&out, "top_channel", 0).as_deref(), Some("app"));
        // 2024-01-02 nets to zero with a return on it: not a purchase occasion.
        assert_eq!(i64_at(&out, "bt_frequency", 0), Some(0));
    }

    #[test]
    fn zero_value_purchase_is_an_occasion() {
        // CDNOW has $0 records; lifetimes and BTYD count them as purchase days.
        let tx = Table::transactions()
            .columns(&["customer_id", "order_id", "ts", "amount"])
            .row(&["a", "1", "2024-01-01", "0"])
            .row(&["a", "2", "2024-01-05", "12"]);
        let engine = engine_with(&[("transactions", tx)]);
        let opts = FeatureOptions {
            time_unit: TimeUnit::Days,
            ..options("2024-01-11")
        };
        let out = one_batch(feature_table(&engine, &opts).expect("features"));
        assert_eq!(
            i64_at(&out, "orders", 0),
            Some(1),
            "orders stay positive-net"
        );
        assert_eq!(i64_at(&out, "bt_frequency", 0), Some(1));
        assert_eq!(f64_at(&out, "bt_t_x", 0), Some(4.0));
        assert_eq!(f64_at(&out, "bt_T", 0), Some(9.0));
        assert_eq!(f64_at(&out, "bt_monetary", 0), Some(12.0));
    }

    fn customers() -> Table {
        Table::customers()
            .columns(&[
                "customer_id",
                "name",
                "birth_date",
                "birth_year",
                "age",
                "province",
                "region",
                "income",
                "signup_date",
                "education",
                "lat",
                "tags",
            ])
            .row(&[
                "a",
                "Ann",
                "1990-04-02",
                "",
                "",
                "浙江",
                "",
                "1000.5",
                "",
                "PhD",
                "30.25",
                "vip;wholesale",
            ])
            .row(&[
                "b",
                "Bo",
                "",
                "1980",
                "",
                "",
                "",
                "",
                "2020-01-01",
                "",
                "",
                "",
            ])
            .row(&[
                "p",
                "Pat",
                "1990-03-31",
                "",
                "",
                "",
                "华东",
                "",
                "2024-01-01",
                "",
                "",
                "",
            ])
            .row(&[
                "q",
                "Quinn",
                "",
                "",
                "41.5",
                "",
                "",
                "",
                "2024-12-31",
                "",
                "",
                "",
            ])
    }

    #[test]
    fn customers_add_attributes_and_potential_customers() {
        let engine = engine_with(&[("transactions", transactions()), ("customers", customers())]);
        let out = one_batch(feature_table(&engine, &options("2024-04-01")).expect("features"));
        let expected: Vec<&str> = FEATURE_COLUMNS
            .iter()
            .chain(CUSTOMER_COLUMNS)
            .copied()
            .collect();
        assert_eq!(names(&out), expected);
        let ids: Vec<_> = (0..out.num_rows())
            .map(|r| str_at(&out, "customer_id", r).unwrap_or_default())
            .collect();
        // q signs up after as_of; c has transactions but no customers row.
        assert_eq!(ids, ["a", "b", "c", "p"]);
        assert_eq!(str_at(&out, "name", 0).as_deref(), Some("Ann"));
        assert_eq!(f64_at(&out, "age", 0), Some(33.0), "34 on 2024-04-02");
        assert_eq!(f64_at(&out, "age", 1), Some(44.0));
        assert_eq!(f64_at(&out, "age", 3), Some(34.0));
        assert_eq!(decimal_at(&out, "income", 0).as_deref(), Some("1000.5000"));
        assert_eq!(str_at(&out, "education", 0).as_deref(), Some("PhD"));
        assert_eq!(f64_at(&out, "lat", 0), Some(30.25));
        assert_eq!(str_at(&out, "tags", 0).as_deref(), Some("vip;wholesale"));
        assert_eq!(str_at(&out, "education", 1), None);
        assert_eq!(str_at(&out, "region", 0).as_deref(), Some("浙江"));
        assert_eq!(str_at(&out, "region", 2), None);
        assert_eq!(str_at(&out, "region", 3).as_deref(), Some("华东"));
        // p: a potential customer.
        assert_eq!(i64_at(&out, "orders", 3), Some(0));
        assert_eq!(decimal_at(&out, "revenue", 3), None);
        assert_eq!(i64_at(&out, "bt_frequency", 3), None);
        assert!(
            out.column_by_name("signup_date")
                .is_some_and(|c| c.is_null(0))
        );
    }

    #[test]
    fn feedback_adds_scores() {
        let feedback = Table::feedback()
            .columns(&["customer_id", "ts", "csat", "nps"])
            .row(&["a", "2024-01-05", "4", "9"])
            .row(&["a", "2024-02-05", "5", ""])
            .row(&["a", "2024-02-05", "3", ""])
            .row(&["a", "2024-05-01", "1", "0"])
            .row(&["z", "2024-01-01", "2", "2"]);
        let engine = engine_with(&[("transactions", transactions()), ("feedback", feedback)]);
        let out = one_batch(feature_table(&engine, &options("2024-04-01")).expect("features"));
        let expected: Vec<&str> = FEATURE_COLUMNS
            .iter()
            .chain(FEEDBACK_COLUMNS)
            .copied()
            .collect();
        assert_eq!(names(&out), expected);
        assert_eq!(out.num_rows(), 3, "feedback alone does not add customers");
        assert_eq!(i64_at(&out, "feedback_count", 0), Some(3));
        assert_eq!(f64_at(&out, "csat_mean", 0), Some(4.0));
        assert_eq!(
            f64_at(&out, "csat_last", 0),
            Some(3.0),
            "the later line wins"
        );
        assert_eq!(f64_at(&out, "nps_last", 0), Some(9.0));
        assert_eq!(i64_at(&out, "feedback_count", 1), Some(0));
        assert_eq!(f64_at(&out, "csat_mean", 1), None);
    }

    #[test]
    fn agrees_with_customer_summary() {
        let engine = engine_with(&[("transactions", transactions())]);
        let as_of = date("2024-04-01");
        let summary = one_batch(customer_summary(&engine, as_of).expect("summary"));
        let features = one_batch(feature_table(&engine, &options("2024-04-01")).expect("f"));
        for name in SUMMARY_COLUMNS {
            let (a, b) = (
                summary.column_by_name(name).expect("summary column"),
                features.column_by_name(name).expect("feature column"),
            );
            assert_eq!(a.as_ref(), b.as_ref(), "{name}");
        }
    }

    /// docs/features.md is the one place the columns are defined: it lists exactly these, in
    /// order, with their types.
    #[test]
    fn docs_list_every_column_with_its_type() {
        let docs = include_str!("../../../docs/features.md");
        let documented: Vec<(String, String)> = docs
            .lines()
            .filter_map(|l| {
                let mut cells = l.strip_prefix("| `")?.split(" | ");
                let name = cells.next()?.strip_suffix('`')?.to_string();
                Some((name, cells.next()?.to_string()))
            })
            .collect();
        let feedback = Table::feedback()
            .columns(&["customer_id", "ts", "csat"])
            .row(&["a", "2024-01-05", "4"]);
        let engine = engine_with(&[
            ("transactions", transactions()),
            ("customers", customers()),
            ("feedback", feedback),
        ]);
        let out = one_batch(feature_table(&engine, &options("2024-04-01")).expect("features"));
        let actual: Vec<(String, String)> = out
            .schema()
            .fields()
            .iter()
            .map(|f| {
                let ty = match f.data_type() {
                    DataType::Timestamp(ArrowTimeUnit::Microsecond, None) => {
                        "Timestamp(µs)".to_string()
                    }
                    DataType::Decimal128(p, s) => format!("Decimal128({p}, {s})"),
                    other => other.to_string(),
                };
                (f.name().clone(), ty)
            })
            .collect();
        assert_eq!(documented, actual);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// The table is a function of the rows, not of their order or of how they are split
        /// into batches.
        #[test]
        fn row_order_and_batches_do_not_matter(
            rows in proptest::collection::vec(
                (0..4u8, 0..6u8, 0..40u32, -50..200i32, proptest::option::of(0..3u8)),
                1..30,
            ),
            seed in proptest::prelude::any::<u64>(),
            split in 0..30usize,
        ) {
            let text: Vec<[String; 5]> = rows
                .iter()
                .map(|(c, o, day, cents, cat)| {
                    let ts = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
                        + chrono::Days::new(u64::from(*day));
                    [
                        format!("c{c}"),
                        format!("o{c}-{o}"),
                        format!("{ts} {:02}:00", o * 3),
                        format!("{:.2}", f64::from(*cents) / 100.0),
                        cat.map(|k| format!("k{k}")).unwrap_or_default(),
                    ]
                })
                .collect();
            let table = |order: &[usize]| {
                order.iter().fold(
                    Table::transactions()
                        .columns(&["customer_id", "order_id", "ts", "amount", "category"]),
                    |t, &i| t.row(&text[i].each_ref().map(String::as_str)),
                )
            };
            let forward: Vec<usize> = (0..text.len()).collect();
            let mut shuffled = forward.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let opts = options("2024-02-01");
            let a = engine_with(&[("transactions", table(&forward))]);
            // Rows on or after as_of are ignored; when every row is, there is no table at all.
            let a = feature_table(&a, &opts).expect("features");
            let rows = |t: &[RecordBatch]| t.iter().map(RecordBatch::num_rows).sum::<usize>();
            let a = (rows(&a) > 0).then(|| one_batch(a));
            let b = table(&shuffled).batch();
            let cut = split.min(b.num_rows());
            let engine = FeatureEngine::new().expect("engine");
            engine
                .register(
                    "transactions",
                    b.schema(),
                    vec![b.slice(0, cut), b.slice(cut, b.num_rows() - cut)],
                )
                .expect("register");
            let b = feature_table(&engine, &opts).expect("features");
            let b = (rows(&b) > 0).then(|| one_batch(b));
            proptest::prop_assert_eq!(a, b);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

        /// `top_channel` and `top_region` count each purchase order once per distinct value on
        /// its lines, whether the order has one value (read from the orders) or several (read
        /// from its lines): the same as counting distinct orders over the lines directly. The
        /// top category is the one with the most sales; ties go to the smallest name.
        #[test]
        fn top_places_count_orders_with_one_or_several_places(
            rows in proptest::collection::vec(
                (0..3u8, 0..4u8, -20..100i32,
                 proptest::option::of(0..3u8), proptest::option::of(0..3u8), 0..3u8),
                1..40,
            ),
        ) {
            let tx = rows.iter().fold(
                Table::transactions().columns(&[
                    "customer_id", "order_id", "ts", "amount", "channel", "region", "category",
                ]),
                |t, (c, o, cents, channel, region, category)| {
                    let channel = channel.map(|k| format!("ch{k}")).unwrap_or_default();
                    let region = region.map(|k| format!("r{k}")).unwrap_or_default();
                    t.row(&[
                        &format!("c{c}"),
                        &format!("o{c}-{o}"),
                        &format!("2024-01-{:02}", 1 + o),
                        // Whole tens often tie.
                        &format!("{}", cents / 10 * 10),
                        &channel,
                        &region,
                        &format!("k{category}"),
                    ])
                },
            );
            let engine = engine_with(&[("transactions", tx)]);
            let out = feature_table(&engine, &options("2024-02-01")).expect("features");
            let out = one_batch(out);
            for (column, feature) in [("channel", "top_channel"), ("region", "region")] {
                let oracle = one_batch(engine.sql(&format!(
                    "WITH totals AS (
                         SELECT customer_id, order_id FROM transactions
                         GROUP BY customer_id, order_id HAVING sum(amount) > 0),
                     counted AS (
                         SELECT t.customer_id, t.{column} AS v, count(DISTINCT t.order_id) AS n
                         FROM transactions t JOIN totals USING (customer_id, order_id)
                         WHERE t.{column} IS NOT NULL GROUP BY t.customer_id, t.{column}),
                     ranked AS (
                         SELECT customer_id, v, row_number() OVER (
                             PARTITION BY customer_id ORDER BY n DESC, v) AS k FROM counted)
                     SELECT i.customer_id, r.v FROM (SELECT DISTINCT customer_id
                         FROM transactions) i
                     LEFT JOIN ranked r ON r.customer_id = i.customer_id AND r.k = 1
                     ORDER BY i.customer_id"
                )).expect("oracle"));
                proptest::prop_assert_eq!(oracle.num_rows(), out.num_rows());
                proptest::prop_assert_eq!(
                    (0..out.num_rows()).map(|r| str_at(&oracle, "customer_id", r)).collect::<Vec<_>>(),
                    (0..out.num_rows()).map(|r| str_at(&out, "customer_id", r)).collect::<Vec<_>>()
                );
                for r in 0..out.num_rows() {
                    proptest::prop_assert_eq!(
                        str_at(&oracle, "v", r),
                        str_at(&out, feature, r),
                        "customer {:?}", str_at(&out, "customer_id", r)
                    );
                }
            }
            let oracle = one_batch(engine.sql(
                "WITH sales AS (
                     SELECT customer_id, category, sum(amount) AS s FROM transactions
                     WHERE amount > 0 GROUP BY customer_id, category),
                 ranked AS (
                     SELECT customer_id, category, row_number() OVER (
                         PARTITION BY customer_id ORDER BY s DESC, category) AS k FROM sales)
                 SELECT i.customer_id, r.category FROM (SELECT DISTINCT customer_id
                     FROM transactions) i
                 LEFT JOIN ranked r ON r.customer_id = i.customer_id AND r.k = 1
                 ORDER BY i.customer_id",
            ).expect("oracle"));
            for r in 0..out.num_rows() {
                proptest::prop_assert_eq!(
                    str_at(&oracle, "category", r),
                    str_at(&out, "top_category", r)
                );
            }
        }
    }

    #[test]
    fn query_without_optional_tables_does_not_read_them() {
        let q = feature_query(&options("2024-04-01"), None, false);
        assert!(!q.contains("customers") && !q.contains("feedback"));
    }
}

//! Users' own SQL over a registered table: custom features (new columns) and rules (boolean
//! expressions that select customers).

use crate::engine::FeatureEngine;
use crate::rule_error::{ExprProblem, RuleError, Subject};
use crate::user_expression::{Source, column_names, compile};
use arrow::array::{Array, AsArray, BooleanArray};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, col};
use datafusion::prelude::SessionContext;

/// A named rule: a boolean SQL expression over one customer's row, such as
/// `recency_days > 180 AND orders >= 3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    /// The rule's name, for reports and errors.
    pub name: String,
    /// The expression (DataFusion SQL; NULL counts as false).
    pub expr: String,
}

impl RuleSpec {
    /// A rule from its name and expression.
    pub fn new(name: impl Into<String>, expr: impl Into<String>) -> Self {
        RuleSpec {
            name: name.into(),
            expr: expr.into(),
        }
    }
}

/// Which rules each customer matched, in the table's `customer_id` order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleMatches {
    /// The customers, ordered by `customer_id` (as text).
    pub customer_ids: Vec<String>,
    /// Per customer: the index of the first rule that is true, if any.
    pub first_match: Vec<Option<usize>>,
    /// Per rule: how many customers it is true for (whether or not an earlier rule is).
    pub matches_per_rule: Vec<u64>,
    /// Customers no rule is true for.
    pub unmatched: u64,
    /// Customers two or more rules are true for.
    pub multiple: u64,
}

/// The registered `table` with one more column per `(name, expression)`, in order, ordered by
/// `customer_id`. An expression sees the table's columns and the features before it; window
/// functions are allowed (`revenue / sum(revenue) OVER ()`), aggregates and subqueries are
/// not. A name may not be empty or repeat a column's name (in any case).
///
/// ```
/// # use kehu_features::{FeatureEngine, add_custom_features};
/// # use arrow::array::{Int64Array, StringArray};
/// # use arrow::datatypes::{DataType, Field, Schema};
/// # use arrow::record_batch::RecordBatch;
/// # use std::sync::Arc;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let schema = Arc::new(Schema::new(vec![
/// #     Field::new("customer_id", DataType::Utf8, false),
/// #     Field::new("orders", DataType::Int64, true),
/// # ]));
/// # let batch = RecordBatch::try_new(schema.clone(), vec![
/// #     Arc::new(StringArray::from(vec!["b", "a"])),
/// #     Arc::new(Int64Array::from(vec![1, 4])),
/// # ])?;
/// let engine = FeatureEngine::new()?;
/// engine.register("features", schema, vec![batch])?;
/// let features = [
///     ("repeat_buyer".to_string(), "orders > 1".to_string()),
///     (
///         "label".to_string(),
///         "CASE WHEN repeat_buyer THEN 'repeat' ELSE 'one-off' END".to_string(),
///     ),
/// ];
/// let out = add_custom_features(&engine, "features", &features)?;
/// let label = out[0].column_by_name("label").expect("column");
/// assert_eq!(arrow::util::display::array_value_to_string(label, 0)?, "repeat"); // a
/// # Ok(())
/// # }
/// ```
pub fn add_custom_features(
    engine: &FeatureEngine,
    table: &str,
    features: &[(String, String)],
) -> Result<Vec<RecordBatch>, RuleError> {
    let ctx = engine.context();
    let state = ctx.state();
    engine.block_on(async {
        let mut df = open(ctx, table).await?;
        // The table after each feature (and the columns before it), to find the feature that
        // fails at run time.
        let mut steps: Vec<(DataFrame, DFSchema)> = Vec::with_capacity(features.len());
        for (name, text) in features {
            let source = Source {
                subject: Subject::Feature,
                name,
                text,
            };
            let schema = df.schema().clone();
            let lower = name.to_lowercase();
            if name.trim().is_empty() {
                return Err(source.error(
                    ExprProblem::NameTaken,
                    None,
                    "a feature needs a name",
                    &schema,
                ));
            }
            if let Some(taken) = column_names(&schema)
                .into_iter()
                .find(|c| c.to_lowercase() == lower)
            {
                return Err(source.error(
                    ExprProblem::NameTaken,
                    None,
                    format!("the table already has a column `{taken}`"),
                    &schema,
                ));
            }
            let compiled = compile(&state, &schema, source)?;
            df = df
                .with_column(name, compiled.expr)
                .map_err(|e| source.datafusion_error(ExprProblem::Type, &e, &schema))?;
            steps.push((df.clone(), schema));
        }
        match ordered(df)?.collect().await {
            Ok(batches) => Ok(batches),
            Err(e) => {
                for ((step, schema), (name, text)) in steps.into_iter().zip(features) {
                    if let Err(e) = step.collect().await {
                        let source = Source {
                            subject: Subject::Feature,
                            name,
                            text,
                        };
                        return Err(source.datafusion_error(ExprProblem::Evaluation, &e, &schema));
                    }
                }
                Err(e.into())
            }
        }
    })
}

/// Evaluates each rule on every row of the registered `table` (DataFusion does; NULL counts
/// as false) and tallies the results in `customer_id` order. Every rule is checked before any
/// runs: a syntax error, an unknown column, text compared with a number or a rule that is not
/// true/false is a [`RuleError::Invalid`] naming the rule.
///
/// ```
/// # use kehu_features::{FeatureEngine, RuleSpec, evaluate_rules};
/// # use arrow::array::{Int64Array, StringArray};
/// # use arrow::datatypes::{DataType, Field, Schema};
/// # use arrow::record_batch::RecordBatch;
/// # use std::sync::Arc;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let schema = Arc::new(Schema::new(vec![
/// #     Field::new("customer_id", DataType::Utf8, false),
/// #     Field::new("orders", DataType::Int64, true),
/// # ]));
/// # let batch = RecordBatch::try_new(schema.clone(), vec![
/// #     Arc::new(StringArray::from(vec!["a", "b", "c"])),
/// #     Arc::new(Int64Array::from(vec![Some(5), Some(1), None])),
/// # ])?;
/// let engine = FeatureEngine::new()?;
/// engine.register("features", schema, vec![batch])?;
/// let rules = [
///     RuleSpec::new("loyal", "orders >= 5"),
///     RuleSpec::new("buyer", "orders >= 1"),
/// ];
/// let m = evaluate_rules(&engine, "features", &rules)?;
/// assert_eq!(m.first_match, [Some(0), Some(1), None]);
/// assert_eq!((m.matches_per_rule.as_slice(), m.unmatched, m.multiple), (&[1, 2][..], 1, 1));
/// # Ok(())
/// # }
/// ```
pub fn evaluate_rules(
    engine: &FeatureEngine,
    table: &str,
    rules: &[RuleSpec],
) -> Result<RuleMatches, RuleError> {
    let ctx = engine.context();
    let state = ctx.state();
    engine.block_on(async {
        let df = open(ctx, table).await?;
        let schema = df.schema().clone();
        let mut exprs: Vec<Expr> = Vec::with_capacity(rules.len());
        for rule in rules {
            let source = Source {
                subject: Subject::Rule,
                name: &rule.name,
                text: &rule.expr,
            };
            let compiled = compile(&state, &schema, source)?;
            if !matches!(compiled.data_type, DataType::Boolean | DataType::Null) {
                return Err(source.error(
                    ExprProblem::NotBoolean,
                    None,
                    format!(
                        "the expression gives {} values, not true/false; compare it with \
                         something, e.g. `({}) > 0`",
                        compiled.data_type, rule.expr
                    ),
                    &schema,
                ));
            }
            exprs.push(compiled.expr);
        }
        let select = |exprs: Vec<Expr>| {
            let mut list = vec![col("customer_id")];
            list.extend(
                exprs
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| e.alias(format!("rule_{i}"))),
            );
            df.clone().select(list)
        };
        let batches = match ordered(select(exprs.clone())?)?.collect().await {
            Ok(batches) => batches,
            Err(e) => {
                for (rule, expr) in rules.iter().zip(&exprs) {
                    if let Err(e) = select(vec![expr.clone()])?.collect().await {
                        let source = Source {
                            subject: Subject::Rule,
                            name: &rule.name,
                            text: &rule.expr,
                        };
                        return Err(source.datafusion_error(ExprProblem::Evaluation, &e, &schema));
                    }
                }
                return Err(e.into());
            }
        };
        tally(&batches, rules.len())
    })
}

/// The registered table, which must have a `customer_id` column.
async fn open(ctx: &SessionContext, table: &str) -> Result<DataFrame, RuleError> {
    let unknown = || RuleError::UnknownTable {
        table: table.to_string(),
    };
    if !ctx.table_exist(table).unwrap_or(false) {
        return Err(unknown());
    }
    let df = ctx.table(table).await.map_err(|_| unknown())?;
    if df
        .schema()
        .field_with_unqualified_name("customer_id")
        .is_err()
    {
        return Err(RuleError::NoCustomerId {
            table: table.to_string(),
        });
    }
    Ok(df)
}

fn ordered(df: DataFrame) -> Result<DataFrame, RuleError> {
    Ok(df.sort(vec![col("customer_id").sort(true, false)])?)
}

/// Counts over the batches `customer_id, rule_0, rule_1, ...`.
fn tally(batches: &[RecordBatch], rules: usize) -> Result<RuleMatches, RuleError> {
    let mut m = RuleMatches {
        matches_per_rule: vec![0; rules],
        ..RuleMatches::default()
    };
    let arrow_error = |e| RuleError::from(DataFusionError::from(e));
    for batch in batches {
        let ids = arrow::compute::cast(batch.column(0), &DataType::Utf8).map_err(arrow_error)?;
        let ids = ids.as_string::<i32>();
        let verdicts: Vec<BooleanArray> = (1..=rules)
            .map(|c| {
                arrow::compute::cast(batch.column(c), &DataType::Boolean)
                    .map(|a| a.as_boolean().clone())
            })
            .collect::<Result<_, _>>()
            .map_err(arrow_error)?;
        for row in 0..batch.num_rows() {
            let mut first = None;
            let mut count = 0;
            for (r, v) in verdicts.iter().enumerate() {
                if v.is_valid(row) && v.value(row) {
                    m.matches_per_rule[r] += 1;
                    count += 1;
                    first.get_or_insert(r);
                }
            }
            m.customer_ids.push(ids.value(row).to_string());
            m.first_match.push(first);
            m.unmatched += u64::from(count == 0);
            m.multiple += u64::from(count > 1);
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{Table, engine_with, f64_at, str_at};
    use crate::rule_error::Position;
    use crate::{FeatureOptions, feature_table};

    /// An engine with `features` registered: the feature table of a few customers.
    fn engine() -> FeatureEngine {
        let tx = Table::transactions()
            .columns(&["customer_id", "order_id", "ts", "amount", "channel"])
            .row(&["c", "1", "2024-01-01", "100", "web"])
            .row(&["a", "2", "2024-01-02", "10", "shop"])
            .row(&["a", "3", "2024-02-02", "20", "shop"])
            .row(&["a", "4", "2024-03-02", "30", "shop"])
            .row(&["b", "5", "2024-03-03", "500", "web"])
            .row(&["d", "6", "2024-03-04", "-5", ""]);
        let engine = engine_with(&[("transactions", tx)]);
        let options = FeatureOptions::new("2024-04-01".parse().expect("date"));
        let features = feature_table(&engine, &options).expect("features");
        engine
            .register("features", features[0].schema(), features)
            .expect("register");
        engine
    }

    fn invalid(e: RuleError) -> (ExprProblem, Option<Position>, String, Vec<String>, String) {
        match e {
            RuleError::Invalid {
                problem,
                position,
                name,
                columns,
                message,
                ..
            } => (problem, position, name, columns, message),
            other => panic!("not an expression error: {other}"),
        }
    }

    #[test]
    fn rules_tally_first_match_unmatched_and_multiple() {
        let engine = engine();
        let rules = [
            RuleSpec::new("frequent", "orders >= 3"),
            RuleSpec::new("big", "revenue > 90"),
            RuleSpec::new("web", "top_channel = 'web'"),
        ];
        let m = evaluate_rules(&engine, "features", &rules).expect("rules");
        assert_eq!(m.customer_ids, ["a", "b", "c", "d"]);
        // d has no channel: NULL = 'web' is NULL, which counts as false.
        assert_eq!(m.first_match, [Some(0), Some(1), Some(1), None]);
        assert_eq!(m.matches_per_rule, [1, 2, 2]);
        assert_eq!((m.unmatched, m.multiple), (1, 2));
    }

    #[test]
    fn no_rules_leave_everyone_unmatched() {
        let m = evaluate_rules(&engine(), "features", &[]).expect("rules");
        assert_eq!((m.unmatched, m.multiple, m.first_match.len()), (4, 0, 4));
    }

    #[test]
    fn a_syntax_error_names_the_rule_and_the_place() {
        let rules = [
            RuleSpec::new("ok", "orders > 1"),
            RuleSpec::new("broken", "orders > 1 AND\n  (revenue > )"),
        ];
        let e = evaluate_rules(&engine(), "features", &rules).expect_err("syntax");
        let text = e.to_string();
        let (problem, position, name, columns, _) = invalid(e);
        assert_eq!((problem, name.as_str()), (ExprProblem::Syntax, "broken"));
        assert_eq!(
            position,
            Some(Position {
                line: 2,
                column: 14
            }),
            "{text}"
        );
        assert!(columns.contains(&"bt_T".to_string()));
        assert!(
            text.contains("rule `broken`: syntax error at line 2, column 14"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_column_lists_the_columns() {
        let e = evaluate_rules(&engine(), "features", &[RuleSpec::new("r", "revenu > 5")])
            .expect_err("unknown");
        let (problem, position, _, columns, message) = invalid(e);
        assert_eq!(problem, ExprProblem::UnknownColumn, "{message}");
        assert_eq!(position, Some(Position { line: 1, column: 1 }));
        let mut sorted = columns.clone();
        sorted.sort();
        assert_eq!(columns, sorted);
        assert!(columns.contains(&"revenue".to_string()) && columns.len() == 28);
        // Unquoted names are lowercased; the error says how to write this one.
        let e = evaluate_rules(&engine(), "features", &[RuleSpec::new("r", "bt_T > 5")])
            .expect_err("case");
        let (problem, _, _, _, message) = invalid(e);
        assert_eq!(problem, ExprProblem::UnknownColumn);
        assert!(message.contains("\"bt_T\""), "{message}");
        assert!(
            evaluate_rules(&engine(), "features", &[RuleSpec::new("r", "\"bt_T\" > 5")]).is_ok()
        );
    }

    #[test]
    fn a_rule_must_be_true_or_false() {
        let e = evaluate_rules(
            &engine(),
            "features",
            &[RuleSpec::new("value", "revenue * 2")],
        )
        .expect_err("not boolean");
        let (problem, _, name, _, message) = invalid(e);
        assert_eq!((problem, name.as_str()), (ExprProblem::NotBoolean, "value"));
        assert!(message.contains("Decimal128"), "{message}");
    }

    #[test]
    fn text_compared_with_a_number_is_a_type_error() {
        let e = evaluate_rules(
            &engine(),
            "features",
            &[RuleSpec::new("t", "orders > 0 AND top_channel > 5")],
        )
        .expect_err("type");
        let (problem, position, _, _, message) = invalid(e);
        assert_eq!(problem, ExprProblem::Type, "{message}");
        assert_eq!(
            position,
            Some(Position {
                line: 1,
                column: 16
            })
        );
        assert!(message.contains("top_channel"), "{message}");
        let e = evaluate_rules(
            &engine(),
            "features",
            &[RuleSpec::new("t", "top_channel + 1 > 2")],
        )
        .expect_err("arithmetic on text");
        assert_eq!(invalid(e).0, ExprProblem::Type);
    }

    #[test]
    fn statements_and_subqueries_are_refused() {
        for (text, want) in [
            (
                "orders > 1; DROP TABLE features",
                ExprProblem::NotSingleExpression,
            ),
            (
                "orders > (SELECT avg(orders) FROM features)",
                ExprProblem::Subquery,
            ),
            ("sum(orders) > 1", ExprProblem::Aggregate),
        ] {
            let e =
                evaluate_rules(&engine(), "features", &[RuleSpec::new("r", text)]).expect_err(text);
            assert_eq!(invalid(e).0, want, "{text}");
        }
    }

    #[test]
    fn unknown_table_and_missing_customer_id() {
        let engine = engine();
        assert!(matches!(
            evaluate_rules(&engine, "nope", &[]),
            Err(RuleError::UnknownTable { .. })
        ));
        let df = engine.sql("SELECT orders FROM features").expect("sql");
        engine
            .register("no_ids", df[0].schema(), df)
            .expect("register");
        assert!(matches!(
            evaluate_rules(&engine, "no_ids", &[]),
            Err(RuleError::NoCustomerId { .. })
        ));
    }

    #[test]
    fn custom_features_build_on_each_other() {
        let engine = engine();
        let features = [
            (
                "spend_per_order".to_string(),
                "revenue / nullif(orders, 0)".to_string(),
            ),
            (
                "share".to_string(),
                "CAST(revenue AS DOUBLE) / sum(CAST(revenue AS DOUBLE)) OVER ()".to_string(),
            ),
            (
                "segment".to_string(),
                "CASE WHEN spend_per_order > 50 THEN 'high' ELSE 'low' END".to_string(),
            ),
        ];
        let out = add_custom_features(&engine, "features", &features).expect("features");
        let out = arrow::compute::concat_batches(&out[0].schema(), &out).expect("concat");
        assert_eq!(out.num_columns(), 28 + 3);
        assert_eq!(str_at(&out, "customer_id", 0).as_deref(), Some("a"));
        assert_eq!(str_at(&out, "segment", 0).as_deref(), Some("low"));
        assert_eq!(str_at(&out, "segment", 1).as_deref(), Some("high"));
        assert_eq!(f64_at(&out, "share", 1), Some(500.0 / 655.0));
    }

    #[test]
    fn custom_feature_errors_name_the_feature() {
        let engine = engine();
        let bad = |name: &str, text: &str| {
            let features = [
                ("fine".to_string(), "orders + 1".to_string()),
                (name.to_string(), text.to_string()),
            ];
            invalid(add_custom_features(&engine, "features", &features).expect_err(text))
        };
        let (problem, _, name, columns, _) = bad("later", "fine +");
        assert_eq!((problem, name.as_str()), (ExprProblem::Syntax, "later"));
        assert!(
            columns.contains(&"fine".to_string()),
            "earlier features are columns"
        );
        assert_eq!(bad("Orders", "1").0, ExprProblem::NameTaken);
        assert_eq!(bad("", "1").0, ExprProblem::NameTaken);
        assert_eq!(bad("x", "nope * 2").0, ExprProblem::UnknownColumn);
    }

    #[test]
    fn a_failure_at_run_time_names_the_feature() {
        let features = [
            ("fine".to_string(), "orders + 1".to_string()),
            ("bad".to_string(), "CAST(customer_id AS INT)".to_string()),
        ];
        let e = add_custom_features(&engine(), "features", &features).expect_err("cast");
        let (problem, _, name, _, _) = invalid(e);
        assert_eq!((problem, name.as_str()), (ExprProblem::Evaluation, "bad"));
    }
}

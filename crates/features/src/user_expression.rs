//! A user's SQL expression (a custom feature or a rule), checked and planned against a table.
//!
//! The text is parsed alone, as one expression (sqlparser, generic dialect), and handed to
//! DataFusion as a syntax tree, never pasted into a query: whatever it holds, it can only
//! compute a value per row. Positions in errors are therefore relative to the user's text.

use crate::rule_error::{ExprProblem, Position, RuleError, Subject};
use arrow::datatypes::DataType;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, SchemaError};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionState;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, Operator};
use datafusion::sql::sqlparser;
use sqlparser::ast::{ExprWithAlias, Spanned};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::ops::ControlFlow;

/// Which expression is being compiled, for error reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub subject: Subject,
    pub name: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    /// An [`RuleError::Invalid`] about this expression.
    pub(crate) fn error(
        &self,
        problem: ExprProblem,
        position: Option<Position>,
        message: impl Into<String>,
        schema: &DFSchema,
    ) -> RuleError {
        RuleError::Invalid {
            subject: self.subject,
            name: self.name.to_string(),
            expr: self.text.to_string(),
            problem,
            position,
            message: message.into(),
            columns: column_names(schema),
        }
    }

    /// An error DataFusion raised about this expression.
    pub(crate) fn datafusion_error(
        &self,
        problem: ExprProblem,
        e: &DataFusionError,
        schema: &DFSchema,
    ) -> RuleError {
        let position = e
            .diagnostic()
            .and_then(|d| d.span)
            .map(|s| position(s.start.line, s.start.column))
            .filter(|p| p.line > 0);
        self.error(problem, position, e.find_root().message(), schema)
    }
}

/// A planned expression and the type it gives.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub expr: Expr,
    pub data_type: DataType,
}

/// The table's column names, sorted.
pub(crate) fn column_names(schema: &DFSchema) -> Vec<String> {
    let mut names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    names.sort();
    names
}

/// Parses, checks and plans `source` against `schema`.
pub(crate) fn compile(
    state: &SessionState,
    schema: &DFSchema,
    source: Source<'_>,
) -> Result<Compiled, RuleError> {
    let parsed = parse(source.text)
        .map_err(|(problem, position, message)| source.error(problem, position, message, schema))?;
    let expr = state
        .create_logical_expr_from_sql_expr(
            ExprWithAlias {
                expr: parsed,
                alias: None,
            },
            schema,
        )
        .map_err(|e| {
            let problem = match e.find_root() {
                DataFusionError::SchemaError(s, _)
                    if matches!(**s, SchemaError::FieldNotFound { .. }) =>
                {
                    ExprProblem::UnknownColumn
                }
                _ => ExprProblem::Type,
            };
            source.datafusion_error(problem, &e, schema)
        })?;
    if let Some((problem, position, message)) = first_problem(&expr, schema) {
        return Err(source.error(problem, position, message, schema));
    }
    let data_type = expr
        .get_type(schema)
        .map_err(|e| source.datafusion_error(ExprProblem::Type, &e, schema))?;
    Ok(Compiled { expr, data_type })
}

type Found = (ExprProblem, Option<Position>, String);

fn position(line: u64, column: u64) -> Position {
    Position { line, column }
}

/// The expression's syntax tree, if `text` is exactly one expression without subqueries.
fn parse(text: &str) -> Result<sqlparser::ast::Expr, Found> {
    let dialect = GenericDialect {};
    let syntax = |e: ParserError| {
        let (message, at) = split_location(&e);
        let at = at.or_else(|| message.contains("found: EOF").then(|| end_of(text)));
        (ExprProblem::Syntax, at, message)
    };
    let mut parser = Parser::new(&dialect).try_with_sql(text).map_err(syntax)?;
    let expr = parser.parse_expr().map_err(syntax)?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        let at =
            Some(position(next.span.start.line, next.span.start.column)).filter(|p| p.line > 0);
        let message = if next.token == Token::SemiColon {
            "`;` ends a statement: an expression is a single formula, without `;`".to_string()
        } else {
            format!(
                "unexpected `{}` after the end of the expression",
                next.token
            )
        };
        return Err((ExprProblem::NotSingleExpression, at, message));
    }
    let subquery = sqlparser::ast::visit_expressions(&expr, |e| match e {
        sqlparser::ast::Expr::Subquery(_)
        | sqlparser::ast::Expr::Exists { .. }
        | sqlparser::ast::Expr::InSubquery { .. } => ControlFlow::Break(e.span().start),
        _ => ControlFlow::Continue(()),
    });
    if let ControlFlow::Break(start) = subquery {
        return Err((
            ExprProblem::Subquery,
            Some(position(start.line, start.column)).filter(|p| p.line > 0),
            "an expression sees one customer's row; subqueries (SELECT, EXISTS, IN (SELECT ...)) \
             are not allowed"
                .to_string(),
        ));
    }
    Ok(expr)
}

/// sqlparser's message without its " at Line: x, Column: y", and that position.
fn split_location(e: &ParserError) -> (String, Option<Position>) {
    let message = match e {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => "the expression is nested too deeply".to_string(),
    };
    if let Some(i) = message.rfind(" at Line: ")
        && let Some((line, column)) = message[i + " at Line: ".len()..].split_once(", Column: ")
        && let (Ok(line), Ok(column)) = (line.parse(), column.trim().parse())
    {
        return (message[..i].to_string(), Some(position(line, column)));
    }
    (message, None)
}

/// Just past the last character of `text`.
fn end_of(text: &str) -> Position {
    let last = text.rsplit('\n').next().unwrap_or_default();
    position(
        text.matches('\n').count() as u64 + 1,
        last.chars().count() as u64 + 1,
    )
}

/// Mistakes DataFusion would not report, or not clearly: unknown columns (found at run time
/// otherwise), aggregates, subqueries, and text compared with numbers (DataFusion casts the
/// text to a number, which fails on the first value that is not one, or compares as text).
fn first_problem(expr: &Expr, schema: &DFSchema) -> Option<Found> {
    let mut found = None;
    // The closure never fails, so neither does the walk.
    let _ = expr.apply(|e| {
        found = node_problem(e, schema);
        Ok(if found.is_some() {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    found
}

fn node_problem(e: &Expr, schema: &DFSchema) -> Option<Found> {
    match e {
        Expr::Column(c) if !schema.has_column(c) => Some(unknown_column(c, schema)),
        Expr::AggregateFunction(f) => Some((
            ExprProblem::Aggregate,
            first_position(e),
            format!(
                "`{}` combines many rows; an expression sees one customer's row (a window, \
                 `... OVER ()`, may compare with all customers)",
                f.func.name()
            ),
        )),
        Expr::ScalarSubquery(_) | Expr::Exists(_) | Expr::InSubquery(_) => Some((
            ExprProblem::Subquery,
            first_position(e),
            "subqueries are not allowed".to_string(),
        )),
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if is_comparison(*op) => {
            text_against_number(left, right, schema)
        }
        Expr::Between(b) => text_against_number(&b.expr, &b.low, schema)
            .or_else(|| text_against_number(&b.expr, &b.high, schema)),
        Expr::InList(l) => l
            .list
            .iter()
            .find_map(|item| text_against_number(&l.expr, item, schema)),
        _ => None,
    }
}

fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

fn unknown_column(c: &Column, schema: &DFSchema) -> Found {
    let wanted = c.name.to_lowercase();
    let hint = column_names(schema)
        .into_iter()
        .find(|n| n.to_lowercase() == wanted)
        .map(|n| format!("; did you mean \"{n}\"? Names with capitals need double quotes"))
        .unwrap_or_default();
    (
        ExprProblem::UnknownColumn,
        c.spans()
            .first()
            .map(|s| position(s.start.line, s.start.column)),
        format!("no column named `{}`{hint}", c.name),
    )
}

fn text_against_number(a: &Expr, b: &Expr, schema: &DFSchema) -> Option<Found> {
    let (ta, tb) = (a.get_type(schema).ok()?, b.get_type(schema).ok()?);
    let (text, number) = if is_text(&ta) && tb.is_numeric() {
        (a, b)
    } else if ta.is_numeric() && is_text(&tb) {
        (b, a)
    } else {
        return None;
    };
    Some((
        ExprProblem::Type,
        first_position(a).or_else(|| first_position(b)),
        format!(
            "compares text `{}` with the number `{}`; compare text with 'quoted text' and \
             numbers with numbers",
            describe(text),
            describe(number)
        ),
    ))
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// A short text for a sub-expression: a column's bare name, a literal's value.
fn describe(e: &Expr) -> String {
    match e {
        Expr::Column(c) => c.name.clone(),
        Expr::Literal(v, _) => v.to_string(),
        other => other.to_string(),
    }
}

/// The position of the first column written in `e` (only columns keep theirs).
fn first_position(e: &Expr) -> Option<Position> {
    let mut found = None;
    let _ = e.apply(|n| {
        if let Expr::Column(c) = n
            && let Some(s) = c.spans().first()
        {
            found = Some(position(s.start.line, s.start.column));
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_their_position() {
        let (problem, at, message) = parse("revenue > (1 +\n  )").expect_err("syntax");
        assert_eq!(problem, ExprProblem::Syntax);
        assert_eq!(at, Some(position(2, 3)), "{message}");
        assert!(!message.contains("Line:"), "{message}");
    }

    #[test]
    fn an_unfinished_expression_points_past_its_end() {
        let (problem, at, _) = parse("orders >").expect_err("syntax");
        assert_eq!(problem, ExprProblem::Syntax);
        assert_eq!(at, Some(position(1, 9)));
    }

    #[test]
    fn a_second_statement_is_refused() {
        let (problem, at, _) =
            parse("orders > 1; DROP TABLE transactions").expect_err("two statements");
        assert_eq!(problem, ExprProblem::NotSingleExpression);
        assert_eq!(at, Some(position(1, 11)));
        let (problem, _, _) = parse("orders > 1 orders").expect_err("trailing");
        assert_eq!(problem, ExprProblem::NotSingleExpression);
    }

    #[test]
    fn subqueries_are_refused() {
        for text in [
            "orders > (SELECT max(orders) FROM features)",
            "EXISTS (SELECT 1 FROM transactions)",
            "customer_id IN (SELECT customer_id FROM customers)",
        ] {
            let (problem, at, _) = parse(text).expect_err(text);
            assert_eq!(problem, ExprProblem::Subquery, "{text}");
            assert!(at.is_some(), "{text}");
        }
    }

    #[test]
    fn comments_and_newlines_are_fine() {
        assert!(parse("orders > 1 -- repeat buyers\n").is_ok());
        assert!(parse("/* big */ revenue\n  > 1000").is_ok());
    }
}

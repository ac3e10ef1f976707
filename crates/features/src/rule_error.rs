use crate::engine::FeatureError;
use std::fmt;

/// Why a custom feature or a rule could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A user's expression is wrong: a user mistake, shown to them as it is.
    #[error(
        "{subject} `{name}`: {problem}{}: {message}\n  expression: {expr}\n  columns: {}",
        Position::suffix(.position),
        .columns.join(", ")
    )]
    Invalid {
        /// A rule or a custom feature.
        subject: Subject,
        /// The rule's or feature's name.
        name: String,
        /// The expression as the user wrote it.
        expr: String,
        /// What kind of mistake.
        problem: ExprProblem,
        /// Where in `expr`, when known (1-based, counted in characters).
        position: Option<Position>,
        /// What is wrong, in DataFusion's or sqlparser's words or ours.
        message: String,
        /// The columns the expression may use, sorted.
        columns: Vec<String>,
    },
    /// The table the expressions apply to is not registered.
    #[error("table `{table}` is not registered")]
    UnknownTable {
        /// The table's name.
        table: String,
    },
    /// The table has no `customer_id` column to order and align the results by.
    #[error("table `{table}` has no `customer_id` column")]
    NoCustomerId {
        /// The table's name.
        table: String,
    },
    /// The engine failed for a reason that is not the expression's (a bug or a resource
    /// limit).
    #[error(transparent)]
    Engine(#[from] FeatureError),
}

impl From<datafusion::error::DataFusionError> for RuleError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        RuleError::Engine(FeatureError::Query(e))
    }
}

/// What a user's expression is: a rule or a custom feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A boolean expression that selects customers.
    Rule,
    /// An expression that computes a new column.
    Feature,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Subject::Rule => "rule",
            Subject::Feature => "feature",
        })
    }
}

/// The kinds of mistakes in a user's expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprProblem {
    /// It does not parse.
    Syntax,
    /// Something follows the expression (a `;`, a second statement).
    NotSingleExpression,
    /// It contains a subquery: an expression sees one customer's row only.
    Subquery,
    /// It uses an aggregate function (`sum`, `count`, ...) outside a window.
    Aggregate,
    /// It names a column the table does not have.
    UnknownColumn,
    /// Its types do not fit (text compared with a number, a function given the wrong type).
    Type,
    /// A rule that is not true or false.
    NotBoolean,
    /// A feature's name is empty or already a column.
    NameTaken,
    /// It failed while running (a cast of a bad value, an overflow).
    Evaluation,
}

impl fmt::Display for ExprProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExprProblem::Syntax => "syntax error",
            ExprProblem::NotSingleExpression => "not a single expression",
            ExprProblem::Subquery => "subqueries are not allowed",
            ExprProblem::Aggregate => "aggregate functions are not allowed",
            ExprProblem::UnknownColumn => "unknown column",
            ExprProblem::Type => "type error",
            ExprProblem::NotBoolean => "not a true/false expression",
            ExprProblem::NameTaken => "unusable name",
            ExprProblem::Evaluation => "evaluation failed",
        })
    }
}

/// A place in a user's expression: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

impl Position {
    fn suffix(position: &Option<Position>) -> String {
        position
            .map(|p| format!(" at line {}, column {}", p.line, p.column))
            .unwrap_or_default()
    }
}

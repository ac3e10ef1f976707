//! Row validation: every structurally sound row is parsed field by field into typed values or
//! quarantined with one entry per problem.

use crate::chunk_builder::ChunkBuilder;
use crate::date_text::{DateOrder, DateStyle, ParsedDate, excel_serial_value, parse_date};
use crate::fields::{FieldSpec, FieldType, header_matches, normalise_header, tx};
use crate::mapping::ColumnMapping;
use crate::number_text::{NumberStyle, parse_number};
use crate::options::{DuplicatePolicy, ImportOptions, TableKind};
use crate::source::{Cell, Header, SinkFactory};
use crate::text_value::{
    parse_free_text, parse_id, parse_label, parse_name, parse_phone, parse_status,
};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use kehu_domain::{Money, Reason};
use std::borrow::Cow;
use std::sync::Arc;

/// A parsed field value, ready for its Arrow column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// No value.
    Null,
    /// Text.
    Text(Cow<'a, str>),
    /// Wall-clock microseconds since 1970-01-01 00:00.
    Micros(i64),
    /// Days since 1970-01-01.
    Days(i32),
    /// Exact decimal in units of 1/10,000.
    Decimal(i128),
    /// A float.
    Float(f64),
}

/// A date that reads two ways (`05/01/2024`), settled once the whole column is seen.
#[derive(Debug, Clone, Copy)]
pub struct Ambiguity {
    /// Field index.
    pub field: usize,
    /// Value read month first.
    pub month_first: i64,
}

/// One problem found in a row.
#[derive(Debug, Clone)]
pub struct FieldProblem {
    /// Source column.
    pub column: Option<usize>,
    /// Why.
    pub reason: Reason,
    /// What (English).
    pub message: String,
}

/// What parsing a row gave besides its values.
#[derive(Debug, Default)]
pub struct RowNotes {
    /// Normalisations applied.
    pub normalised: Vec<Reason>,
    /// Warnings (with the column they are about).
    pub warnings: Vec<(Reason, Option<usize>)>,
    /// Ambiguous dates to settle later.
    pub ambiguous: Vec<Ambiguity>,
    /// Unambiguous day/month evidence.
    pub evidence: Vec<DateOrder>,
    /// Currency marker found in a money field, and that field's source column.
    pub currency: Option<&'static str>,
    /// The source column of the first currency marker.
    pub currency_column: Option<usize>,
}

/// Settings shared by all chunks of one import.
#[derive(Debug)]
pub struct ValidatorConfig {
    /// The header as found.
    pub header: Header,
    /// Trimmed header names, to recognise a repeated header row.
    pub header_trimmed: Vec<String>,
    /// The mapping.
    pub mapping: ColumnMapping,
    /// How amounts are written.
    pub money_style: NumberStyle,
    /// How quantities and other numbers are written.
    pub number_style: NumberStyle,
    /// How dates are written.
    pub dates: DateStyle,
    /// Dates after this are flagged.
    pub latest_plausible: Option<NaiveDate>,
    /// Dates before this are flagged.
    pub earliest_plausible: Option<NaiveDate>,
    /// Whether each source column may hold line breaks.
    pub multiline: Vec<bool>,
    /// Keep exact duplicate rows instead of quarantining them.
    pub keep_duplicates: bool,
    /// Null columns for the fields the source lacks, shared by the chunks.
    pub(crate) shared_nulls: crate::chunk_builder::SharedNulls,
    /// The schema of the table made: the canonical one, and the extra attributes.
    pub schema: arrow::datatypes::SchemaRef,
}

/// The [`SinkFactory`] every reader feeds: validates rows into [`ChunkBuilder`]s.
#[derive(Debug, Clone)]
pub struct RowValidator {
    config: Arc<ValidatorConfig>,
}

impl RowValidator {
    /// A validator for `header` mapped by `mapping`.
    pub fn new(header: Header, mapping: ColumnMapping, options: &ImportOptions) -> Self {
        let fields = mapping.fields();
        let mut multiline = vec![true; header.names.len()];
        for (spec, col) in fields.iter().zip(&mapping.columns) {
            if let Some(c) = col {
                multiline[*c] = spec.ty == FieldType::FreeText;
            }
        }
        let header_trimmed = header.names.iter().map(|h| normalise_header(h)).collect();
        let keep_duplicates = match options.duplicates {
            DuplicatePolicy::Keep => true,
            DuplicatePolicy::Quarantine => false,
            DuplicatePolicy::Auto => {
                mapping.kind == TableKind::Transactions && mapping.column_of("order_id").is_none()
            }
        };
        let money_style = NumberStyle {
            decimal_comma: options.decimal_comma,
            magnitude_units: options.magnitude_units,
            currency: true,
        };
        let number_style = NumberStyle {
            currency: false,
            ..money_style
        };
        let schema = crate::canonical_schema::table_schema(&mapping);
        RowValidator {
            config: Arc::new(ValidatorConfig {
                schema,
                header,
                header_trimmed,
                mapping,
                money_style,
                number_style,
                dates: DateStyle::new(options.date_format.clone(), options.timezone.map(|t| t.0)),
                latest_plausible: options.latest_plausible_date,
                earliest_plausible: options.earliest_plausible_date,
                multiline,
                keep_duplicates,
                shared_nulls: Default::default(),
            }),
        }
    }

    /// The shared configuration.
    pub fn config(&self) -> &Arc<ValidatorConfig> {
        &self.config
    }
}

impl SinkFactory for RowValidator {
    type Sink = ChunkBuilder;

    fn sink(&self) -> ChunkBuilder {
        ChunkBuilder::new(Arc::clone(&self.config))
    }

    fn allows_multiline(&self, column: usize) -> bool {
        self.config.multiline.get(column).copied().unwrap_or(true)
    }
}

/// Whether a cell's first letter could start a totals word (a cheap filter before the real test).
fn could_be_summary_word(t: &str) -> bool {
    matches!(
        t.trim_start().chars().next(),
        Some('合' | '总' | '小' | '汇' | '共' | 't' | 'T' | 's' | 'S' | 'g' | 'G')
    )
}

const SUMMARY_WORDS: &[&str] = &[
    "合计",
    "总计",
    "小计",
    "汇总",
    "总和",
    "共计",
    "total",
    "totals",
    "grand total",
    "subtotal",
    "sum",
];

impl ValidatorConfig {
    /// C2: a totals row — any of the first cells, or an id/date cell, says 合计/Total.
    pub fn is_summary_row(&self, cells: &[Cell<'_>]) -> bool {
        let first_three = 0..cells.len().min(3);
        let keys = ["customer_id", "order_id", "ts"]
            .into_iter()
            .filter_map(|name| self.mapping.column_of(name));
        first_three.chain(keys).any(|c| match cells.get(c) {
            Some(Cell::Text(t)) => self.is_summary_text(t),
            _ => false,
        })
    }

    /// Whether a text cell says 合计/Total (see [`ValidatorConfig::is_summary_row`]).
    pub fn is_summary_text(&self, t: &str) -> bool {
        if !could_be_summary_word(t) {
            return false;
        }
        let t = t
            .trim_matches(|ch: char| ch.is_whitespace() || ch == ':' || ch == '：')
            .to_lowercase();
        SUMMARY_WORDS.contains(&t.as_str())
            || ["合计", "总计", "小计"].iter().any(|w| t.starts_with(w))
    }

    /// C9: the header again, inside the data.
    pub fn is_repeated_header(&self, cells: &[Cell<'_>]) -> bool {
        let mut named = 0;
        for (cell, name) in cells.iter().zip(&self.header_trimmed) {
            match cell {
                Cell::Text(t) if !name.is_empty() && header_matches(t, name) => named += 1,
                c if c.is_blank() => {}
                _ => return false,
            }
        }
        named >= 2 || (named == 1 && cells.len() == 1)
    }

    /// Parses every mapped field of a row.
    pub fn parse_row<'a>(
        &self,
        cells: &'a [Cell<'a>],
        values: &mut Vec<Value<'a>>,
        notes: &mut RowNotes,
        problems: &mut Vec<FieldProblem>,
    ) {
        values.clear();
        let fields = self.mapping.fields();
        for (fi, (spec, col)) in fields.iter().zip(&self.mapping.columns).enumerate() {
            let Some(c) = *col else {
                values.push(Value::Null);
                continue;
            };
            let cell = cells.get(c).unwrap_or(&Cell::Empty);
            let had_currency = notes.currency.is_some();
            let parsed = self.parse_field(fi, spec, cell, notes);
            if !had_currency && notes.currency.is_some() {
                notes.currency_column = Some(c);
            }
            match parsed {
                Ok(Value::Null) if spec.required => {
                    problems.push(FieldProblem {
                        column: Some(c),
                        reason: Reason::MissingValue,
                        message: format!("`{}` is empty", spec.name),
                    });
                    values.push(Value::Null);
                }
                Ok(v) => values.push(v),
                Err(reason) => {
                    problems.push(bad_value(c, spec.name, cell, reason));
                    values.push(Value::Null);
                }
            }
            if let Some(Value::Micros(_) | Value::Days(_)) = values.last() {
                self.check_date_range(fi, values, c, notes);
            }
        }
        if self.mapping.kind == TableKind::Transactions {
            self.derive_amount(values, notes, problems);
            self.derive_order_id(values, notes);
        }
        // A customers file's other columns: checked as labels are, kept as text.
        for extra in &self.mapping.extras {
            let cell = cells.get(extra.column).unwrap_or(&Cell::Empty);
            let parsed = match cell {
                Cell::Error(_) => Err(Reason::CellError),
                Cell::Empty => Ok(Value::Null),
                cell => text_value(cell, parse_label, notes),
            };
            match parsed {
                Ok(v) => values.push(v),
                Err(reason) => {
                    problems.push(bad_value(extra.column, &extra.name, cell, reason));
                    values.push(Value::Null);
                }
            }
        }
    }

    /// Without an order id, one customer's rows at the same time make one order.
    fn derive_order_id(&self, values: &mut [Value<'_>], notes: &mut RowNotes) {
        let (o, c, t) = (tx::ORDER_ID, tx::CUSTOMER_ID, tx::TS);
        if !matches!(values[o], Value::Null) {
            return;
        }
        if let (Value::Text(customer), Value::Micros(at)) = (&values[c], &values[t]) {
            let at = chrono::DateTime::from_timestamp_micros(*at)
                .map(|d| d.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
                .unwrap_or_default();
            values[o] = Value::Text(Cow::Owned(format!("{customer}@{at}")));
            notes.normalised.push(Reason::DerivedOrderId);
        }
    }

    fn check_date_range(
        &self,
        fi: usize,
        values: &[Value<'_>],
        column: usize,
        notes: &mut RowNotes,
    ) {
        let date = match values[fi] {
            Value::Micros(m) => chrono::DateTime::from_timestamp_micros(m).map(|d| d.date_naive()),
            Value::Days(d) => NaiveDate::from_num_days_from_ce_opt(d + EPOCH_DAYS_FROM_CE),
            _ => None,
        };
        if let Some(d) = date {
            let late = self.latest_plausible.is_some_and(|l| d > l);
            // The earliest plausible date is the business's start (E7): people are born
            // before it.
            let early = self.mapping.fields()[fi].name != "birth_date"
                && self.earliest_plausible.is_some_and(|e| d < e);
            if late || early {
                notes.warnings.push((Reason::OutOfRangeDate, Some(column)));
            }
        }
    }

    fn derive_amount<'a>(
        &self,
        values: &mut [Value<'a>],
        notes: &mut RowNotes,
        problems: &mut Vec<FieldProblem>,
    ) {
        let (a, q, p) = (tx::AMOUNT, tx::QUANTITY, tx::UNIT_PRICE);
        if !self.mapping.amount_derived {
            return;
        }
        // Problems in quantity or price are already reported; the missing amount is implied.
        let had_problem = problems.iter().any(|pr| {
            pr.column.is_some()
                && (pr.column == self.mapping.columns[q] || pr.column == self.mapping.columns[p])
        });
        match (&values[q], &values[p]) {
            (Value::Decimal(qty), Value::Decimal(price)) => {
                match Money::from_units(*price).times_quantity(*qty) {
                    Some((amount, rounded)) => {
                        values[a] = Value::Decimal(amount.units());
                        notes.normalised.push(Reason::DerivedAmount);
                        if rounded {
                            notes.normalised.push(Reason::RoundedAmount);
                        }
                    }
                    None => problems.push(FieldProblem {
                        column: self.mapping.columns[q],
                        reason: Reason::OutOfRange,
                        message: "quantity × unit price overflows".into(),
                    }),
                }
            }
            _ if had_problem => {}
            (qv, _) => {
                let column = if matches!(qv, Value::Null) {
                    self.mapping.columns[q]
                } else {
                    self.mapping.columns[p]
                };
                let which = if matches!(qv, Value::Null) {
                    "quantity"
                } else {
                    "unit_price"
                };
                problems.push(FieldProblem {
                    column,
                    reason: Reason::MissingValue,
                    message: format!(
                        "`amount` is computed from quantity × unit price, and `{which}` is empty"
                    ),
                });
            }
        }
    }

    fn parse_field<'a>(
        &self,
        fi: usize,
        spec: &FieldSpec,
        cell: &'a Cell<'a>,
        notes: &mut RowNotes,
    ) -> Result<Value<'a>, Reason> {
        if let Cell::Error(_) = cell {
            return Err(Reason::CellError);
        }
        if matches!(cell, Cell::Empty) {
            return Ok(Value::Null);
        }
        match spec.ty {
            FieldType::Id => self.id_value(cell, notes),
            FieldType::Label => text_value(cell, parse_label, notes).map(|v| match v {
                Value::Text(t) if spec.name == "gender" => {
                    normalise_gender(&t).map_or(Value::Text(t), |g| Value::Text(Cow::Borrowed(g)))
                }
                v => v,
            }),
            FieldType::FreeText => text_value(cell, parse_free_text, notes),
            FieldType::Name => text_value(cell, parse_name, notes),
            FieldType::Phone => text_value(cell, parse_phone, notes),
            FieldType::Status => match cell {
                Cell::Text(t) => {
                    Ok(parse_status(t)?.map_or(Value::Null, |s| Value::Text(Cow::Borrowed(s))))
                }
                _ => Err(Reason::UnknownStatus),
            },
            FieldType::Money | FieldType::Quantity => {
                let style = if spec.ty == FieldType::Money {
                    self.money_style
                } else {
                    self.number_style
                };
                let value = self.decimal_value(cell, style, notes)?;
                if let (FieldType::Money, Value::Decimal(units)) = (spec.ty, &value)
                    && *units < 0
                    && spec.name == "amount"
                {
                    notes.normalised.push(Reason::Refund);
                }
                Ok(value)
            }
            FieldType::Number { min, max, integer } => {
                let v = match cell {
                    Cell::Int(i) => *i as f64,
                    Cell::Float(f) => *f,
                    Cell::Decimal { value, scale } => *value as f64 / 10f64.powi(i32::from(*scale)),
                    Cell::Bool(_) | Cell::Date(_) | Cell::DateTime(_) => {
                        return Err(Reason::NonNumeric);
                    }
                    Cell::Text(_) => match self.decimal_value(cell, self.number_style, notes)? {
                        Value::Decimal(units) => Money::from_units(units).to_f64(),
                        _ => return Ok(Value::Null),
                    },
                    Cell::Empty | Cell::Error(_) => return Ok(Value::Null),
                };
                if !v.is_finite() || v < min || v > max || (integer && v.fract() != 0.0) {
                    return Err(Reason::OutOfRange);
                }
                Ok(Value::Float(v))
            }
            FieldType::Timestamp | FieldType::Date => {
                let at = match cell {
                    Cell::DateTime(dt) => *dt,
                    Cell::Date(d) => d.and_time(chrono::NaiveTime::MIN),
                    Cell::Int(i) => excel_serial_value(*i as f64, false)
                        .inspect(|_| notes.normalised.push(Reason::ExcelSerialDate))?,
                    Cell::Float(f) => excel_serial_value(*f, false)
                        .inspect(|_| notes.normalised.push(Reason::ExcelSerialDate))?,
                    Cell::Text(t) => match parse_date(t, &self.dates)? {
                        None => return Ok(Value::Null),
                        Some(ParsedDate::Exact { at, note, evidence }) => {
                            notes.normalised.extend(note);
                            notes.evidence.extend(evidence);
                            at
                        }
                        Some(ParsedDate::Ambiguous {
                            day_first,
                            month_first,
                        }) => {
                            let m = if spec.ty == FieldType::Date {
                                days(month_first)
                            } else {
                                micros(month_first)
                            };
                            notes.ambiguous.push(Ambiguity {
                                field: fi,
                                month_first: m,
                            });
                            day_first
                        }
                    },
                    _ => return Err(Reason::InvalidDate),
                };
                Ok(if spec.ty == FieldType::Date {
                    Value::Days(days(at) as i32)
                } else {
                    Value::Micros(micros(at))
                })
            }
        }
    }

    fn id_value<'a>(&self, cell: &'a Cell<'a>, notes: &mut RowNotes) -> Result<Value<'a>, Reason> {
        match cell {
            Cell::Text(t) => text_value_str(t, parse_id, notes),
            Cell::Int(i) => Ok(Value::Text(Cow::Owned(i.to_string()))),
            // Spreadsheets store numeric ids as floats: 17850.0 is the id 17850.
            Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                Ok(Value::Text(Cow::Owned(format!("{}", *f as i64))))
            }
            Cell::Float(f) if f.abs() >= 1e15 => Err(Reason::ScientificNotationInId),
            other => Ok(Value::Text(Cow::Owned(other.to_text().into_owned()))),
        }
    }

    fn decimal_value<'a>(
        &self,
        cell: &'a Cell<'a>,
        style: NumberStyle,
        notes: &mut RowNotes,
    ) -> Result<Value<'a>, Reason> {
        let units = match cell {
            Cell::Int(i) => Money::from_whole(*i),
            Cell::Decimal { value, scale } => {
                let (m, rounded) = Money::from_scaled(*value, *scale).ok_or(Reason::OutOfRange)?;
                if rounded {
                    notes.normalised.push(Reason::RoundedAmount);
                }
                m
            }
            // The shortest decimal that prints as this float: what the spreadsheet showed.
            Cell::Float(f) if f.is_finite() => {
                let (m, rounded) =
                    Money::parse_decimal(&format!("{f}")).map_err(|_| Reason::NonNumeric)?;
                if rounded {
                    notes.normalised.push(Reason::RoundedAmount);
                }
                m
            }
            Cell::Text(t) => match parse_number(t, style)? {
                None => return Ok(Value::Null),
                Some((m, n)) => {
                    notes.normalised.extend(n.normalised);
                    if n.currency.is_some() {
                        notes.currency = n.currency;
                    }
                    m
                }
            },
            _ => return Err(Reason::NonNumeric),
        };
        Ok(Value::Decimal(units.units()))
    }
}

const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A date's day number: days since 1970-01-01.
pub(crate) fn day_number(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

fn days(at: NaiveDateTime) -> i64 {
    i64::from(day_number(at.date()))
}

/// A time as microseconds since 1970-01-01 00:00, as stored.
pub(crate) fn micros(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp_micros()
}

/// The problem of a cell of `column` (feeding `name`) that does not parse.
fn bad_value(column: usize, name: &str, cell: &Cell<'_>, reason: Reason) -> FieldProblem {
    FieldProblem {
        column: Some(column),
        reason,
        message: format!(
            "`{name}` = \"{}\": {}",
            short(&cell.to_text()),
            reason.describe(kehu_domain::Lang::En)
        ),
    }
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

fn normalise_gender(t: &str) -> Option<&'static str> {
    match t.trim().to_lowercase().as_str() {
        "m" | "male" | "man" | "男" | "男性" | "先生" => Some("male"),
        "f" | "female" | "woman" | "女" | "女性" | "女士" => Some("female"),
        _ => None,
    }
}

type TextParser = for<'x> fn(&'x str) -> Result<Option<crate::text_value::TextValue<'x>>, Reason>;

fn text_value<'a>(
    cell: &'a Cell<'a>,
    parser: TextParser,
    notes: &mut RowNotes,
) -> Result<Value<'a>, Reason> {
    match cell {
        Cell::Text(t) => text_value_str(t, parser, notes),
        other => Ok(Value::Text(Cow::Owned(other.to_text().into_owned()))),
    }
}

fn text_value_str<'a>(
    t: &'a Cow<'a, str>,
    parser: TextParser,
    notes: &mut RowNotes,
) -> Result<Value<'a>, Reason> {
    match parser(t.as_ref())? {
        None => Ok(Value::Null),
        Some(v) => {
            notes.normalised.extend(v.normalised);
            notes
                .warnings
                .extend(v.warnings.into_iter().map(|w| (w, None)));
            Ok(Value::Text(v.value))
        }
    }
}

//! The Arrow schemas of the canonical tables.

use crate::fields::{FieldType, fields_of};
use crate::mapping::ColumnMapping;
use crate::options::TableKind;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use kehu_domain::Money;
use std::sync::Arc;

/// Decimal type of money and quantity columns: 38 digits, [`Money::SCALE`] decimals.
pub const MONEY_TYPE: DataType = DataType::Decimal128(38, Money::SCALE as i8);

/// Physical line (or row) of the source file each row came from.
pub const SOURCE_LINE: &str = "source_line";
/// True for rows with a negative amount (returns, refunds).
pub const IS_REFUND: &str = "is_refund";

/// The Arrow type a field is stored as.
pub fn arrow_type(ty: FieldType) -> DataType {
    match ty {
        FieldType::Id
        | FieldType::Label
        | FieldType::FreeText
        | FieldType::Name
        | FieldType::Phone
        | FieldType::Status => DataType::Utf8,
        FieldType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        FieldType::Date => DataType::Date32,
        FieldType::Money | FieldType::Quantity => MONEY_TYPE,
        FieldType::Number { .. } => DataType::Float64,
    }
}

/// The schema of a canonical table: its fields in canonical order (required ones not
/// nullable; `order_id` is filled in when the source has none), then `is_refund` for
/// transactions, then `source_line`.
pub fn canonical_schema(kind: TableKind) -> SchemaRef {
    let mut fields: Vec<Field> = fields_of(kind)
        .iter()
        .map(|f| {
            let required = f.required || (kind == TableKind::Transactions && f.name == "order_id");
            Field::new(f.name, arrow_type(f.ty), !required)
        })
        .collect();
    if kind == TableKind::Transactions {
        fields.push(Field::new(IS_REFUND, DataType::Boolean, false));
    }
    fields.push(Field::new(SOURCE_LINE, DataType::UInt64, false));
    Arc::new(Schema::new(fields))
}

/// The schema of the table `mapping` fills: [`canonical_schema`], then a nullable text
/// column per extra attribute of a customers file.
pub fn table_schema(mapping: &ColumnMapping) -> SchemaRef {
    let canonical = canonical_schema(mapping.kind);
    if mapping.extras.is_empty() {
        return canonical;
    }
    let mut fields: Vec<Field> = canonical
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend(
        mapping
            .extras
            .iter()
            .map(|e| Field::new(e.name.as_str(), DataType::Utf8, true)),
    );
    Arc::new(Schema::new(fields))
}

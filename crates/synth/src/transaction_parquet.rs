use crate::SynthError;
use crate::labels::Labels;
use crate::parquet_table::ParquetTable;
use crate::text_format::{TextFormat, push_padded};
use crate::transaction_row::TransactionRow;
use arrow::array::{
    ArrayRef, Date32Builder, Decimal128Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema};
use std::path::Path;
use std::sync::Arc;

/// Rows per Arrow batch handed to the Parquet writer.
const BATCH_ROWS: usize = 1 << 16;

/// `transactions.parquet`: the clean rows with typed columns (string ids and labels, int64
/// order id, date32, decimal128(12, 2) amounts, int32 quantity), named like the CSV header.
#[derive(Debug)]
pub(crate) struct TransactionParquet<'a> {
    table: ParquetTable,
    format: &'a TextFormat,
    labels: &'a Labels,
    scratch: Vec<u8>,
    rows: usize,
    customer_id: StringBuilder,
    order_id: Int64Builder,
    date: Date32Builder,
    amount: Decimal128Builder,
    quantity: Int32Builder,
    unit_price: Decimal128Builder,
    product: StringBuilder,
    category: StringBuilder,
    channel: StringBuilder,
    region: StringBuilder,
    discount: Decimal128Builder,
}

impl<'a> TransactionParquet<'a> {
    pub(crate) fn create(
        path: &Path,
        format: &'a TextFormat,
        labels: &'a Labels,
    ) -> Result<Self, SynthError> {
        let money = DataType::Decimal128(12, 2);
        let types = [
            DataType::Utf8,
            DataType::Int64,
            DataType::Date32,
            money.clone(),
            DataType::Int32,
            money.clone(),
            DataType::Utf8,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Utf8,
            money,
        ];
        let fields: Vec<Field> = labels
            .transaction_headers
            .iter()
            .zip(types)
            .map(|(name, data_type)| Field::new(*name, data_type, false))
            .collect();
        let table = ParquetTable::create(path, Arc::new(Schema::new(fields)))?;
        let decimal = || {
            Decimal128Builder::with_capacity(BATCH_ROWS).with_data_type(DataType::Decimal128(12, 2))
        };
        let strings = |bytes| StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * bytes);
        Ok(TransactionParquet {
            table,
            format,
            labels,
            scratch: Vec::with_capacity(16),
            rows: 0,
            customer_id: strings(10),
            order_id: Int64Builder::with_capacity(BATCH_ROWS),
            date: Date32Builder::with_capacity(BATCH_ROWS),
            amount: decimal(),
            quantity: Int32Builder::with_capacity(BATCH_ROWS),
            unit_price: decimal(),
            product: strings(7),
            category: strings(12),
            channel: strings(6),
            region: strings(7),
            discount: decimal(),
        })
    }

    pub(crate) fn write(&mut self, row: &TransactionRow) -> Result<(), SynthError> {
        self.scratch.clear();
        self.format
            .push_customer_id(&mut self.scratch, row.customer_id);
        self.customer_id
            .append_value(std::str::from_utf8(&self.scratch).unwrap_or_default());
        self.order_id.append_value(row.order_id as i64);
        self.date
            .append_value(self.format.epoch_day(i64::from(row.day)));
        self.amount.append_value(i128::from(row.amount));
        self.quantity.append_value(row.quantity);
        self.unit_price.append_value(i128::from(row.unit_price));
        self.scratch.clear();
        self.scratch.push(b'P');
        push_padded(&mut self.scratch, u64::from(row.product), 6);
        self.product
            .append_value(std::str::from_utf8(&self.scratch).unwrap_or_default());
        let labels = self.labels;
        let label =
            |list: &[&'static str], i: u8| list.get(usize::from(i)).copied().unwrap_or_default();
        self.category
            .append_value(label(&labels.categories, row.category));
        self.channel
            .append_value(label(&labels.channels, row.channel));
        self.region.append_value(label(&labels.regions, row.region));
        self.discount.append_value(i128::from(row.discount));
        self.rows += 1;
        if self.rows == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), SynthError> {
        self.flush()?;
        self.table.finish()
    }

    fn flush(&mut self) -> Result<(), SynthError> {
        if self.rows == 0 {
            return Ok(());
        }
        self.rows = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.customer_id.finish()),
            Arc::new(self.order_id.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.amount.finish()),
            Arc::new(self.quantity.finish()),
            Arc::new(self.unit_price.finish()),
            Arc::new(self.product.finish()),
            Arc::new(self.category.finish()),
            Arc::new(self.channel.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.discount.finish()),
        ];
        self.table.write(columns)
    }
}

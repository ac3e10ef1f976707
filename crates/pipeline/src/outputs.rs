use crate::error::PipelineError;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowLeafColumn, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Writes batches as one Parquet file (zstd), encoding the columns of each row group on all
/// cores: `ArrowWriter` encodes them one after another, 1.7 s for the ~80 columns of
/// `customers.parquet` at 1M customers (1.2–1.35 s now). Row groups are cut where
/// `ArrowWriter` cuts them, each column is given the same pieces of the batches in the same
/// order, and the chunks are appended in column order: the file is the same bytes as its.
pub fn write_batches_parquet(path: &Path, batches: &[RecordBatch]) -> Result<(), PipelineError> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let schema = first.schema();
    let encode = |e: parquet::errors::ParquetError| PipelineError::Encode {
        path: path.into(),
        message: e.to_string(),
    };
    let file = File::create(path).map_err(|source| PipelineError::Write {
        path: path.into(),
        source,
    })?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let group_rows = props.max_row_group_row_count().unwrap_or(usize::MAX).max(1);
    let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(encode)?;
    let (mut file_writer, factory) = writer.into_serialized_writer().map_err(encode)?;
    for (group, pieces) in row_groups(batches, group_rows).iter().enumerate() {
        // Per column writer (one per leaf column), its leaves of every piece, in order.
        let writers = factory.create_column_writers(group).map_err(encode)?;
        let mut leaves: Vec<Vec<ArrowLeafColumn>> = writers.iter().map(|_| Vec::new()).collect();
        for piece in pieces {
            let mut of_writer = leaves.iter_mut();
            for (field, column) in schema.fields().iter().zip(piece.columns()) {
                for leaf in compute_leaves(field, column).map_err(encode)? {
                    // The writers are made from the same schema, one per leaf column.
                    match of_writer.next() {
                        Some(list) => list.push(leaf),
                        None => {
                            return Err(encode(parquet::errors::ParquetError::General(
                                "more leaf columns than column writers".into(),
                            )));
                        }
                    }
                }
            }
        }
        let chunks: Vec<ArrowColumnChunk> = writers
            .into_par_iter()
            .zip(leaves.into_par_iter())
            .map(|(mut writer, leaves)| {
                for leaf in &leaves {
                    writer.write(leaf)?;
                }
                writer.close()
            })
            .collect::<Result<_, _>>()
            .map_err(encode)?;
        let mut row_group = file_writer.next_row_group().map_err(encode)?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut row_group).map_err(encode)?;
        }
        row_group.close().map_err(encode)?;
    }
    file_writer.close().map_err(encode)?;
    Ok(())
}

/// The batches' rows in row groups of `group_rows` (the last shorter), each as the pieces of
/// the batches that fall in it: how `ArrowWriter` cuts and writes them.
fn row_groups(batches: &[RecordBatch], group_rows: usize) -> Vec<Vec<RecordBatch>> {
    let mut groups = Vec::new();
    let mut current = Vec::new();
    let mut filled = 0;
    for batch in batches {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let take = (group_rows - filled).min(batch.num_rows() - offset);
            current.push(batch.slice(offset, take));
            filled += take;
            offset += take;
            if filled == group_rows {
                groups.push(std::mem::take(&mut current));
                filled = 0;
            }
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// Writes batches as CSV (UTF-8 with BOM for spreadsheets) with a header row.
pub fn write_batches_csv(path: &Path, batches: &[RecordBatch]) -> Result<(), PipelineError> {
    use std::io::Write;
    let file = File::create(path).map_err(|source| PipelineError::Write {
        path: path.into(),
        source,
    })?;
    let mut out = BufWriter::new(file);
    out.write_all(b"\xEF\xBB\xBF")
        .map_err(|source| PipelineError::Write {
            path: path.into(),
            source,
        })?;
    let mut writer = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(out);
    for batch in batches {
        writer.write(batch).map_err(|e| PipelineError::Encode {
            path: path.into(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use std::sync::Arc;

    /// The file `ArrowWriter` alone writes with the same properties.
    fn serial_bytes(batches: &[RecordBatch]) -> Vec<u8> {
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let mut out = Vec::new();
        let mut writer =
            ArrowWriter::try_new(&mut out, batches[0].schema(), Some(props)).expect("writer");
        for b in batches {
            writer.write(b).expect("write");
        }
        writer.close().expect("close");
        out
    }

    #[test]
    fn columns_encoded_in_parallel_give_the_serial_file() {
        // Two row groups (the default cut is at 1,048,576 rows), from three batches.
        let n = 1_100_000i64;
        let batch = |from: i64, to: i64| {
            let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(from..to));
            let names: ArrayRef = Arc::new(StringArray::from_iter(
                (from..to).map(|i| (i % 7 != 0).then(|| format!("c{}", i % 1000))),
            ));
            RecordBatch::try_from_iter([("id", ids), ("name", names)]).expect("batch")
        };
        let batches = [batch(0, 10), batch(10, 600_000), batch(600_000, n)];
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("t.parquet");
        write_batches_parquet(&path, &batches).expect("written");
        assert!(std::fs::read(&path).expect("read") == serial_bytes(&batches));
    }
}

use crate::error::PipelineError;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Writes batches as one Parquet file (zstd).
pub fn write_batches_parquet(path: &Path, batches: &[RecordBatch]) -> Result<(), PipelineError> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let file = File::create(path).map_err(|source| PipelineError::Write {
        path: path.into(),
        source,
    })?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let encode = |e: parquet::errors::ParquetError| PipelineError::Encode {
        path: path.into(),
        message: e.to_string(),
    };
    let mut writer = ArrowWriter::try_new(file, first.schema(), Some(props)).map_err(encode)?;
    for batch in batches {
        writer.write(batch).map_err(encode)?;
    }
    writer.close().map_err(encode)?;
    Ok(())
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

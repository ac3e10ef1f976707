use crate::SynthError;
use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::path::{Path, PathBuf};

/// A Parquet file written batch by batch: snappy, dictionary encoding on, 1 Mi-row row groups
/// (the writer's defaults), as the benchmark's files.
pub(crate) struct ParquetTable {
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<File>,
}

impl std::fmt::Debug for ParquetTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetTable")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ParquetTable {
    pub(crate) fn create(path: &Path, schema: SchemaRef) -> Result<Self, SynthError> {
        let file = File::create(path).map_err(SynthError::io(path))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(properties)).map_err(|source| {
                SynthError::Parquet {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
        Ok(ParquetTable {
            path: path.to_path_buf(),
            schema,
            writer,
        })
    }

    pub(crate) fn write(&mut self, columns: Vec<ArrayRef>) -> Result<(), SynthError> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(|source| {
            SynthError::Arrow {
                path: self.path.clone(),
                source,
            }
        })?;
        self.writer
            .write(&batch)
            .map_err(|source| SynthError::Parquet {
                path: self.path.clone(),
                source,
            })
    }

    pub(crate) fn finish(self) -> Result<(), SynthError> {
        let path = self.path;
        self.writer
            .close()
            .map(|_| ())
            .map_err(|source| SynthError::Parquet { path, source })
    }
}

use std::path::PathBuf;

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A parameter is out of range (a caller's mistake).
    #[error("invalid parameter `{field}`: {reason}")]
    InvalidParams {
        /// The parameter, as named in [`crate::GenParams`].
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or folder could not be created or written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Building an Arrow batch failed (a bug: the columns are built to fit the schema).
    #[error("internal error building Arrow data for {path}: {source}")]
    Arrow {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: arrow::error::ArrowError,
    },
    /// The Parquet writer failed.
    #[error("cannot write Parquet file {path}: {source}")]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: parquet::errors::ParquetError,
    },
    /// Serialising `params.json` failed (a bug).
    #[error("internal error serialising {path}: {source}")]
    Json {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

impl SynthError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> SynthError {
        let path = path.into();
        move |source| SynthError::Io { path, source }
    }
}

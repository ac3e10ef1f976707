use std::path::PathBuf;

/// Why a job could not finish (as opposed to a file being refused, which is a result).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Writing an output failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Encoding an output failed.
    #[error("cannot encode {}: {message}", path.display())]
    Encode {
        /// The output.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A file the job needs was refused.
    #[error(transparent)]
    Refused(#[from] kehu_ingest::ImportError),
    /// Computing features failed.
    #[error(transparent)]
    Features(#[from] kehu_features::FeatureError),
    /// An Arrow computation on the feature table failed.
    #[error("cannot compute the customer table: {0}")]
    Compute(String),
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// An input file was refused as a whole: why, where and what to do.
    #[error("{} was refused: {} — run `kehu check {}` for the details", .0.file, .0.message, .0.file)]
    InputRefused(Box<kehu_report::RefusedFile>),
    /// The run cannot start: no transactions, a file that does not exist, a bad option.
    #[error("{0}")]
    Input(String),
    /// The bundled data is not where it should be.
    #[error("the bundled data is missing: {} not found", .0.display())]
    MissingData(PathBuf),
}

//! Exit codes, decided in one place.

use std::process::ExitCode;

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Success,
    /// A file was refused as a whole (or, with `--strict`, rows were quarantined).
    DataRefused,
    /// kehu could not finish: I/O or an internal error.
    Failure,
}

impl Outcome {
    /// The process exit code. 2 is clap's, for a wrong command line.
    pub fn code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::DataRefused => ExitCode::from(1),
            Outcome::Failure => ExitCode::from(3),
        }
    }
}

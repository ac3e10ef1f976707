use kehu_ingest::{Import, ImportOptions, import_file, profile};
use kehu_report::{CheckReport, FileCheck, RefusedFile};
use std::path::PathBuf;

/// The result of checking files: the report, and the imports of the files that were read.
#[derive(Debug)]
pub struct CheckRun {
    /// The report (terminal and JSON forms come from it).
    pub report: CheckReport,
    /// The imports, in the order of `report.files`.
    pub imports: Vec<Import>,
}

/// Imports and profiles each file; a refused file is reported, not fatal. `on_file` is told
/// each file before it is read (for progress display).
pub fn check_files(
    files: &[PathBuf],
    options: &ImportOptions,
    mut on_file: impl FnMut(&PathBuf),
) -> CheckRun {
    let mut report = CheckReport {
        kehu_version: env!("CARGO_PKG_VERSION").to_string(),
        files: Vec::new(),
        refused: Vec::new(),
        across_files: None,
    };
    let mut imports = Vec::new();
    for file in files {
        on_file(file);
        match import_file(file, options) {
            Ok(import) => {
                report.files.push(FileCheck {
                    import: import.report.clone(),
                    profile: profile(&import),
                });
                imports.push(import);
            }
            Err(err) => report.refused.push(RefusedFile::from(&err)),
        }
    }
    report.across_files = crate::across_files::across_files(&imports);
    CheckRun { report, imports }
}

use kehu_ingest::{ALL_SHEETS, Import, ImportOptions, import_file, profile, workbook_sheets};
use kehu_report::{CheckReport, FileCheck, RefusedFile};
use std::path::{Path, PathBuf};

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
        for options in per_sheet(file, options) {
            match import_file(file, &options) {
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
    }
    report.across_files = crate::across_files::across_files(&imports);
    CheckRun { report, imports }
}

/// The options of each import of `file`: one per visible sheet with `--sheet all` (unless a
/// sheet is named `all`), else `options` as they are. A file that is no workbook, or one
/// without a visible sheet, is imported once, and says why when it cannot be.
fn per_sheet(file: &Path, options: &ImportOptions) -> Vec<ImportOptions> {
    if options.sheet.as_deref() != Some(ALL_SHEETS) {
        return vec![options.clone()];
    }
    let sheets = workbook_sheets(file).unwrap_or_default();
    if sheets.iter().any(|(name, _)| name == ALL_SHEETS) {
        return vec![options.clone()];
    }
    let visible = sheets.into_iter().filter(|(_, visible)| *visible);
    let mut each: Vec<Option<String>> = visible.map(|(name, _)| Some(name)).collect();
    if each.is_empty() {
        each.push(None);
    }
    each.into_iter()
        .map(|sheet| ImportOptions {
            sheet,
            ..options.clone()
        })
        .collect()
}

//! `kehu init`.

use crate::args::InitArgs;
use crate::exit::Outcome;
use crate::read_options::import_options;
use crate::usage_error;
use kehu_domain::Lang;
use kehu_pipeline::config::{InitSource, SourceConfig, render_init};
use std::io::Write;

/// Sniffs the files and writes a commented kehu.toml.
pub fn run(args: &InitArgs, lang: Lang) -> anyhow::Result<Outcome> {
    if args.out.exists() && !args.force {
        return Err(usage_error(format!(
            "{} exists; pass --force to overwrite it, or --out another.toml",
            args.out.display()
        )));
    }
    let options = import_options(&args.read).map_err(usage_error)?;
    let check = kehu_pipeline::check_files(&args.files, &options, |_| {});
    if let Some(refused) = check.report.refused.first() {
        return Err(usage_error(format!(
            "{}: {} — run `kehu check` on it for the details",
            refused.file, refused.message
        )));
    }
    let base = args
        .out
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    // One source per import: a workbook read with --sheet all gives one per sheet.
    let sources: Vec<InitSource> = check
        .imports
        .iter()
        .map(|import| {
            let r = &import.report;
            let relative = pathdiff(std::path::Path::new(&r.file), &base);
            InitSource {
                source: SourceConfig {
                    path: relative,
                    map: r.mapping.clone(),
                    sheet: options.sheet.as_ref().and(r.sheet.clone()),
                    ..SourceConfig::default()
                },
                kind: r.kind.name().to_string(),
                detected: format!(
                    "{}, {}{}, {} rows",
                    r.format,
                    r.encoding,
                    r.delimiter
                        .as_ref()
                        .map(|d| format!(", delimiter \"{d}\""))
                        .unwrap_or_default(),
                    r.rows_seen
                ),
                attributes: r
                    .extra_columns
                    .iter()
                    .map(|e| (e.name.clone(), e.header.clone()))
                    .collect(),
            }
        })
        .collect();
    std::fs::write(&args.out, render_init(&sources))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} {}",
        lang.pick("Wrote", "已写出"),
        args.out.display()
    )?;
    writeln!(
        out,
        "{} kehu run --config {}",
        lang.pick("Next:", "下一步："),
        args.out.display()
    )?;
    Ok(Outcome::Success)
}

/// `path` relative to `base` when it lies under it (the config's paths are relative to it),
/// else as given.
fn pathdiff(path: &std::path::Path, base: &std::path::Path) -> String {
    let absolute =
        |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let base_abs = absolute(if base.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        base
    });
    let path_abs = absolute(path);
    path_abs
        .strip_prefix(&base_abs)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path_abs.display().to_string())
}

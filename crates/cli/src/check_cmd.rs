//! `kehu check`.

use crate::args::CheckArgs;
use crate::exit::Outcome;
use crate::progress::Spinner;
use anyhow::Context;
use kehu_domain::Lang;
use kehu_ingest::quarantine::write_quarantine_csv;
use std::io::Write;

/// Runs the check and prints the report.
pub fn run(args: &CheckArgs, lang: Lang) -> anyhow::Result<Outcome> {
    let mut options =
        crate::read_options::import_options(&args.read).map_err(crate::usage_error)?;
    // "Future" is relative to today unless the user pins a date; the library never reads the
    // clock itself.
    options.latest_plausible_date = Some(
        args.latest_date
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
    );
    let spinner = Spinner::new(args.json);
    let run = kehu_pipeline::check_files(&args.files, &options, |f| {
        spinner.say(&format!("{} {}", lang.pick("reading", "读取"), f.display()))
    });
    spinner.done();

    if let Some(path) = &args.quarantine {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        for (i, import) in run.imports.iter().enumerate() {
            let mut buffer = Vec::new();
            write_quarantine_csv(&mut buffer, &import.report.file, &import.quarantine, lang)?;
            // One header (and one BOM) for the whole file.
            let body = if i == 0 {
                &buffer[..]
            } else {
                skip_first_line(&buffer)
            };
            out.write_all(body)?;
        }
        if run.imports.is_empty() {
            write_quarantine_csv(&mut out, "", &[], lang)?;
        }
        out.flush()?;
    }

    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &run.report)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", kehu_report::render_check(&run.report, lang))?;
        if let Some(path) = &args.quarantine {
            writeln!(
                stdout,
                "{} {}",
                lang.pick("Quarantined rows written to", "隔离行已写入"),
                path.display()
            )?;
        }
    }
    let quarantined: u64 = run.report.files.iter().map(|f| f.import.quarantined).sum();
    Ok(
        if !run.report.refused.is_empty() || (args.strict && quarantined > 0) {
            Outcome::DataRefused
        } else {
            Outcome::Success
        },
    )
}

fn skip_first_line(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => &bytes[i + 1..],
        None => &[],
    }
}

//! Import benchmark: reads one file with full validation and prints the time in the
//! `BENCH step=<name> seconds=<s>` form of `../shared/bench` (see docs/BENCHMARKS.md).
//!
//! `import_bench FILE [--report]`: with `--report`, also the import report as JSON and one
//! digest line per column of the imported table (to compare two builds' results).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use arrow::util::display::array_value_to_string;
use kehu_ingest::{ImportOptions, import_file};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: import_bench FILE [--report]");
        std::process::exit(2);
    };
    let started = Instant::now();
    match import_file(path.as_ref(), &ImportOptions::default()) {
        Ok(import) => {
            let seconds = started.elapsed().as_secs_f64();
            let r = &import.report;
            println!("BENCH step=read seconds={seconds:.3}");
            println!(
                "rows_seen={} accepted={} quarantined={} skipped_blank={}",
                r.rows_seen, r.accepted, r.quarantined, r.skipped_blank
            );
            if args.iter().any(|a| a == "--report") {
                let mut report = r.clone();
                report.file = String::new();
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(e) => eprintln!("{e}"),
                }
                for (c, field) in import.schema.fields().iter().enumerate() {
                    let mut h = DefaultHasher::new();
                    for b in &import.batches {
                        let column = b.column(c);
                        for i in 0..column.len() {
                            let text = array_value_to_string(column, i).unwrap_or_default();
                            (column.is_null(i), text).hash(&mut h);
                        }
                    }
                    println!(
                        "column {} {} digest={:016x}",
                        field.name(),
                        field.data_type(),
                        h.finish()
                    );
                }
                println!(
                    "quarantine={:?}",
                    import
                        .quarantine
                        .iter()
                        .map(|q| format!("{q:?}"))
                        .collect::<Vec<_>>()
                );
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

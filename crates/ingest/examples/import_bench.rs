//! Import benchmark: reads one file with full validation and prints the time in the
//! `BENCH step=<name> seconds=<s>` form of `../shared/bench` (see docs/BENCHMARKS.md).
//!
//! `cargo run --profile bench-opt -p kehu-ingest --example import_bench -- FILE`
#![allow(clippy::print_stdout, clippy::print_stderr)]

use kehu_ingest::{ImportOptions, import_file};
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: import_bench FILE");
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
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

#![allow(clippy::print_stdout, clippy::unwrap_used)]
use kehu_features::{FeatureEngine, FeatureOptions, feature_table};
use kehu_ingest::{ImportOptions, import_file};
fn hwm() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}
fn reset() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    let import = import_file(std::path::Path::new(&path), &ImportOptions::default()).unwrap();
    println!("import {:.1}s peak {} MB", t.elapsed().as_secs_f64(), hwm());
    let engine = FeatureEngine::new().unwrap();
    engine
        .register(
            "transactions",
            import.schema.clone(),
            import.batches.clone(),
        )
        .unwrap();
    let options = FeatureOptions::new("2025-01-01".parse().unwrap());
    for q in std::env::args().skip(2) {
        reset();
        let before = hwm();
        let t = std::time::Instant::now();
        let out = if q == "features" {
            feature_table(&engine, &options).unwrap()
        } else {
            engine.sql(&q).unwrap()
        };
        println!(
            "{:.60}: {:.1}s rows {} peak {} MB (from {})",
            q,
            t.elapsed().as_secs_f64(),
            out.iter().map(|b| b.num_rows()).sum::<usize>(),
            hwm(),
            before
        );
    }
}

#![allow(clippy::print_stdout, clippy::unwrap_used)]
use kehu_features::FeatureEngine;
use kehu_ingest::{DuplicatePolicy, ImportOptions, import_file};
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let sql = std::fs::read_to_string(std::env::args().nth(2).unwrap()).unwrap();
    let options = ImportOptions {
        duplicates: DuplicatePolicy::Keep,
        ..ImportOptions::default()
    };
    let import = import_file(path.as_ref(), &options).unwrap();
    let engine = FeatureEngine::new().unwrap();
    engine
        .register("transactions", import.schema.clone(), import.batches)
        .unwrap();
    for q in sql.split(";;") {
        if q.trim().is_empty() {
            continue;
        }
        let t = Instant::now();
        let out = engine.sql(q).unwrap();
        println!("{:.3}s", t.elapsed().as_secs_f64());
        if q.contains("EXPLAIN") {
            println!(
                "{}",
                arrow::util::pretty::pretty_format_batches(&out).unwrap()
            );
        }
    }
}

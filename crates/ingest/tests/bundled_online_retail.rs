//! The bundled UCI Online Retail file: row accounting and the figures an independent
//! computation gives (scripts/crosscheck/online_retail.py, Python's csv + decimal; the same
//! numbers are in data/README.md).

use kehu_domain::Reason;
use kehu_ingest::{ImportOptions, TableKind, import_file};
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

#[test]
fn online_retail_accounts_for_every_row() {
    let import =
        import_file(&data("online_retail.csv.gz"), &ImportOptions::default()).expect("imports");
    let r = &import.report;
    assert_eq!(r.kind, TableKind::Transactions);
    assert!(r.amount_derived, "amount = Quantity × UnitPrice");
    assert_eq!(r.rows_seen, 541_909);
    assert_eq!(r.rows_seen, r.accepted + r.quarantined + r.skipped_blank);
    assert_eq!(r.accepted, 401_604);
    assert_eq!(
        r.quarantine_reasons.get(&Reason::MissingValue),
        Some(&135_080)
    );
    assert_eq!(
        r.quarantine_reasons.get(&Reason::DuplicateRow),
        Some(&5_225)
    );
    let rows: usize = import.batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows as u64, r.accepted);
}

//! The bundled CDNOW transactions reproduce the dataset's published figures (69,659
//! transactions, 23,570 customers, $2,500,315.63; data/README.md): nothing is lost, including
//! the 255 rows that repeat an earlier one exactly (same customer, day, CDs and value — two
//! purchases the file cannot tell apart, so kept and flagged, not quarantined).

use kehu_domain::Reason;
use kehu_ingest::{ImportOptions, import_file, profile};
use std::path::PathBuf;

#[test]
fn cdnow_matches_the_published_totals() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/cdnow_transactions.csv.gz");
    let import = import_file(&path, &ImportOptions::default()).expect("imports");
    let r = &import.report;
    assert_eq!(
        (r.rows_seen, r.accepted, r.quarantined),
        (69_659, 69_659, 0)
    );
    assert_eq!(r.warnings.get(&Reason::RepeatedRow), Some(&255));
    assert!(r.order_id_derived);
    let p = profile(&import);
    assert_eq!(p.customers, 23_570);
    assert_eq!(
        p.revenue.map(|m| m.to_string()).as_deref(),
        Some("2500315.63")
    );
}

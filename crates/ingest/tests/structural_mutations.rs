//! Property: a structural mutation of a valid CSV (a stray or missing quote, delimiter or
//! line break, a swallowed line end, a blank or junk line) never loses rows silently — if
//! fewer rows are accepted than the clean file has, something is quarantined or the file is
//! refused, and the row accounting always holds.

use kehu_ingest::{ImportOptions, import_file};
use proptest::prelude::*;

const ROWS: usize = 40;

fn clean_csv() -> String {
    let mut s = String::from("customer_id,order_id,order_date,amount,description\n");
    for i in 0..ROWS {
        s.push_str(&format!(
            "C{:04},O{:05},2024-0{}-1{},{}.{:02},\"item, no {i}\"\n",
            i % 17,
            i,
            1 + i % 9,
            i % 10,
            10 + i * 7,
            i % 100
        ));
    }
    s
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, &'static str),
    Delete(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let insert = (
        0usize..10_000,
        prop::sample::select(vec![
            "\"", ",", "\n", "\r", "\r\n", "\n\n", ",,,,\n", "\"\"", "x\"y",
        ]),
    )
        .prop_map(|(at, s)| Mutation::Insert(at, s));
    let delete = (0usize..10_000).prop_map(Mutation::Delete);
    prop_oneof![insert, delete]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        match m {
            Mutation::Insert(at, s) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, s.bytes());
            }
            Mutation::Delete(at) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes.remove(at);
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn mutations_never_lose_rows_silently(mutations in prop::collection::vec(mutation(), 1..4)) {
        let text = apply(&clean_csv(), &mutations);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mutated.csv");
        std::fs::write(&path, &text).expect("write");
        let options = ImportOptions { max_malformed_ratio: 1.0, max_malformed_rows: u64::MAX, ..ImportOptions::default() };
        if let Ok(import) = import_file(&path, &options) {
            let r = &import.report;
            prop_assert_eq!(r.rows_seen, r.accepted + r.quarantined + r.skipped_blank);
            if (r.accepted as usize) < ROWS {
                prop_assert!(r.quarantined > 0, "accepted {} of {ROWS} with nothing quarantined:\n{text}", r.accepted);
            }
        }
    }
}

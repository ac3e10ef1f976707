//! How the customers of several input files meet (`kehu check` and `kehu run` over files of
//! more than one kind): buyers the customers file does not list, listed customers without a
//! purchase, feedback from customers no other file knows.

use arrow::array::{Array, AsArray};
use kehu_ingest::quarantine::mask_snippet;
use kehu_ingest::{Import, TableKind};
use kehu_report::AcrossFiles;
use std::collections::HashSet;

type Ids<'a> = HashSet<&'a str, foldhash::fast::FixedState>;

/// Examples of each gap shown.
const EXAMPLES: usize = 3;

/// The distinct customer ids of the imports of `kind`, or `None` when there is none.
fn customers_of(imports: &[Import], kind: TableKind) -> Option<Ids<'_>> {
    let mut of_kind = imports.iter().filter(|i| i.report.kind == kind).peekable();
    of_kind.peek()?;
    let mut ids = Ids::default();
    for batch in of_kind.flat_map(|i| &i.batches) {
        if let Some(column) = batch
            .column_by_name("customer_id")
            .and_then(|c| c.as_string_opt::<i32>())
        {
            ids.extend(
                (0..column.len())
                    .filter(|&i| column.is_valid(i))
                    .map(|i| column.value(i)),
            );
        }
    }
    Some(ids)
}

/// The comparison, when the imports hold transactions and customers or feedback.
pub(crate) fn across_files(imports: &[Import]) -> Option<AcrossFiles> {
    // Decided by the kinds alone: `kehu run` checks its files one at a time, and a lone file
    // must not pay for a set of its ids.
    let has = |kind| imports.iter().any(|i| i.report.kind == kind);
    if !has(TableKind::Transactions) || !(has(TableKind::Customers) || has(TableKind::Feedback)) {
        return None;
    }
    let buyers = customers_of(imports, TableKind::Transactions)?;
    let listed = customers_of(imports, TableKind::Customers);
    let with_feedback = customers_of(imports, TableKind::Feedback);
    let mut examples = std::collections::BTreeMap::new();
    // The examples are the smallest ids of each gap, so that the report is the same every time.
    let mut gap = |code: &str, mut ids: Vec<&str>| -> u64 {
        ids.sort_unstable();
        if !ids.is_empty() {
            let shown = ids
                .iter()
                .take(EXAMPLES)
                .map(|id| mask_snippet(id))
                .collect();
            examples.insert(code.to_string(), shown);
        }
        ids.len() as u64
    };
    let listed_without_transactions = listed.as_ref().map(|l| {
        let ids = l.difference(&buyers).copied().collect();
        gap("listed_without_transactions", ids)
    });
    let buyers_not_listed = listed.as_ref().map(|l| {
        let ids = buyers.difference(l).copied().collect();
        gap("buyers_not_listed", ids)
    });
    let feedback_from_unknown = with_feedback.as_ref().map(|f| {
        let ids = f
            .iter()
            .filter(|id| !buyers.contains(*id) && !listed.as_ref().is_some_and(|l| l.contains(*id)))
            .copied()
            .collect();
        gap("feedback_from_unknown", ids)
    });
    Some(AcrossFiles {
        buyers: buyers.len() as u64,
        listed: listed.as_ref().map(|l| l.len() as u64),
        with_feedback: with_feedback.as_ref().map(|f| f.len() as u64),
        listed_without_transactions,
        buyers_not_listed,
        feedback_from_unknown,
        examples,
    })
}

//! Joining the chunks of one file, in file order, and the checks that need the whole file:
//! the day/month order of ambiguous dates, the file's currency, and exact duplicate rows.

use crate::canonical_schema::{IS_REFUND, SOURCE_LINE};
use crate::chunk_builder::{
    ChunkBuilder, Flagged, PendingRow, RowCounts, WARNING_EXAMPLES, is_malformed,
};
use crate::quarantine::QuarantineEntry;
use arrow::array::{Array, ArrayRef, BooleanArray, Date32Array, TimestampMicrosecondArray};
use arrow::compute::filter_record_batch;
use arrow::record_batch::RecordBatch;
use kehu_domain::Reason;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The merged result of all chunks.
#[derive(Debug, Default)]
pub struct Merged {
    /// Accepted rows, in file order.
    pub batches: Vec<RecordBatch>,
    /// Quarantine entries, in file order.
    pub quarantine: Vec<QuarantineEntry>,
    /// Row counts.
    pub counts: RowCounts,
    /// Normalisations applied, by reason.
    pub normalised: BTreeMap<Reason, u64>,
    /// Warnings, by reason.
    pub warnings: BTreeMap<Reason, u64>,
    /// First examples of each warning.
    pub warning_examples: Vec<Flagged>,
    /// How ambiguous day/month dates were settled: `day_first`, `month_first`, or `None`
    /// when they were quarantined (or there were none).
    pub date_order: Option<&'static str>,
    /// The currency amounts are checked against (`CNY` unless most are marked otherwise).
    pub currency: &'static str,
    /// The currency the file itself names on its amounts, if any.
    pub currency_named: Option<&'static str>,
}

/// Merges chunks (given in file order).
pub fn merge(mut chunks: Vec<ChunkBuilder>) -> Result<Merged, arrow::error::ArrowError> {
    let mut merged = Merged {
        currency: "CNY",
        ..Merged::default()
    };
    let evidence = chunks.iter().fold([0u64; 2], |acc, c| {
        [acc[0] + c.order_evidence[0], acc[1] + c.order_evidence[1]]
    });
    // Dates like 05/01/2024 are read the way the rest of the column proves, and quarantined
    // when the column proves nothing or both ways.
    let order = match evidence {
        [d, 0] if d > 0 => Some(true),
        [0, m] if m > 0 => Some(false),
        _ => None,
    };
    merged.date_order = order.map(|day_first| {
        if day_first {
            "day_first"
        } else {
            "month_first"
        }
    });
    (merged.currency, merged.currency_named) = file_currency(&chunks);

    let keep_duplicates = chunks.first().is_some_and(|c| c.config().keep_duplicates);
    // Rows quarantined below for their currency or an unsettled date are no one's duplicate.
    let currency = merged.currency;
    let quarantined_early = |p: &PendingRow| {
        p.currency.is_some_and(|c| c != currency) || (!p.ambiguous.is_empty() && order.is_none())
    };
    // Kept duplicates are only counted; the others are quarantined below.
    let duplicates = duplicate_rows(&chunks, quarantined_early);
    let mut kept_foreign_symbols = 0u64;
    for chunk in &mut chunks {
        let config = std::sync::Arc::clone(chunk.config());
        let header_name = |c: usize| config.header.names.get(c).cloned().unwrap_or_default();
        let mut parts = chunk.finish_batches()?;
        let mut keep = vec![true; chunk.accepted_len()];
        let mut late: Vec<QuarantineEntry> = Vec::new();
        let mut replacements: BTreeMap<usize, Vec<(usize, i64)>> = BTreeMap::new();
        let mut pending = chunk.pending.iter().peekable();
        // Only rows still open to a whole-file decision and duplicates to quarantine can
        // change here: the loop visits those alone (the chunk's ordinals ascend).
        let mut visited: Vec<usize> = chunk.pending.iter().map(|p| p.index).collect();
        if !keep_duplicates {
            let ordinals = &chunk.ordinals;
            if let (Some(first), Some(last)) = (ordinals.first(), ordinals.last()) {
                let from = duplicates.partition_point(|d| d.0 < first);
                let to = duplicates.partition_point(|d| d.0 <= last);
                visited.extend(
                    duplicates[from..to]
                        .iter()
                        .filter_map(|d| ordinals.index_of(d.0)),
                );
            }
        }
        visited.sort_unstable();
        visited.dedup();
        for i in visited {
            let ordinal = chunk.ordinals.get(i).unwrap_or_default();
            let mut problem: Option<(Reason, String, Option<usize>)> = None;
            let mut raw = "";
            if let Some(p) = pending.next_if(|p| p.index == i) {
                raw = p.raw.as_str();
                if let Some(code) = p.currency.filter(|c| *c != merged.currency) {
                    let message = format!(
                        "amount in {code}; the file's amounts are in {}",
                        merged.currency
                    );
                    problem = Some((Reason::CurrencyMismatch, message, p.currency_column));
                } else if p.currency.is_some_and(|c| c != "CNY") {
                    kept_foreign_symbols += 1;
                }
                if problem.is_none() && !p.ambiguous.is_empty() {
                    match order {
                        Some(true) => {}
                        Some(false) => {
                            for a in &p.ambiguous {
                                replacements
                                    .entry(a.field)
                                    .or_default()
                                    .push((i, a.month_first));
                            }
                        }
                        None => {
                            let column = p
                                .ambiguous
                                .first()
                                .and_then(|a| config.mapping.columns[a.field]);
                            let message = "day and month could be either way round; pin the format with --date-format".to_string();
                            problem = Some((Reason::AmbiguousDate, message, column));
                        }
                    }
                }
            }
            let values: String;
            if problem.is_none()
                && !keep_duplicates
                && let Ok(k) = duplicates.binary_search_by_key(&ordinal, |d| d.0)
            {
                let first = duplicates[k].1;
                if raw.is_empty() {
                    // Rows taken column-wise keep no text: the snippet shows their values.
                    values = accepted_values(&parts, i)?;
                    raw = values.as_str();
                }
                problem = Some((
                    Reason::DuplicateRow,
                    format!("duplicate of line {first}"),
                    None,
                ));
            }
            if let Some((reason, message, column)) = problem {
                keep[i] = false;
                chunk.counts.accepted -= 1;
                chunk.counts.quarantined += 1;
                if is_malformed(reason) {
                    chunk.counts.malformed += 1;
                }
                let named = column.map(|c| (c, header_name(c)));
                let named = named.as_ref().map(|(c, h)| (*c, h.as_str()));
                let entry = QuarantineEntry::new(
                    chunk.location_of(ordinal),
                    None,
                    named,
                    reason,
                    raw,
                    message,
                );
                late.push(entry.with_field(column.and_then(|c| config.mapping.field_of(c))));
            }
        }
        if !replacements.is_empty() {
            // Rare (month-first dates): the chunk is made one batch for the row indexes.
            let whole = arrow::compute::concat_batches(&config.schema, &parts)?;
            parts = vec![replace_values(&whole, &replacements)?];
        }
        let mut first = 0;
        for part in &parts {
            let rows = part.num_rows();
            merged
                .batches
                .extend(without_rows(part, &keep[first..first + rows])?);
            first += rows;
        }
        let mut entries = std::mem::take(&mut chunk.quarantine);
        entries.extend(late);
        entries.sort_by_key(|e| e.location.ordinal());
        merged.quarantine.extend(entries);
        add_counts(&mut merged.counts, &chunk.counts);
        for (r, n) in &chunk.normalised {
            *merged.normalised.entry(*r).or_insert(0) += n;
        }
        for (r, n) in &chunk.warnings {
            *merged.warnings.entry(*r).or_insert(0) += n;
        }
        for example in chunk.warning_examples.drain(..) {
            let shown = merged
                .warning_examples
                .iter()
                .filter(|e| e.reason == example.reason)
                .count();
            if shown < WARNING_EXAMPLES {
                merged.warning_examples.push(example);
            }
        }
    }
    if keep_duplicates && !duplicates.is_empty() {
        merged
            .warnings
            .insert(Reason::RepeatedRow, duplicates.len() as u64);
    }
    if kept_foreign_symbols > 0 {
        *merged.normalised.entry(Reason::CurrencySymbol).or_insert(0) += kept_foreign_symbols;
    }
    crate::suspicious::flag_suspicious(&mut merged);
    Ok(merged)
}

/// The non-null values of accepted row `index` of `parts`, as `field=value, …` (for the
/// snippet of a row that has no text of its own).
fn accepted_values(
    parts: &[RecordBatch],
    mut index: usize,
) -> Result<String, arrow::error::ArrowError> {
    let options = arrow::util::display::FormatOptions::default();
    let mut out = String::new();
    for part in parts {
        if index >= part.num_rows() {
            index -= part.num_rows();
            continue;
        }
        for (field, column) in part.schema().fields().iter().zip(part.columns()) {
            // The place is the entry's own; the refund flag follows from the amount.
            let derived = [SOURCE_LINE, IS_REFUND].contains(&field.name().as_str());
            if derived || column.is_null(index) {
                continue;
            }
            let shown = arrow::util::display::ArrayFormatter::try_new(column.as_ref(), &options)?;
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&format!("{}={}", field.name(), shown.value(index)));
        }
        break;
    }
    Ok(out)
}

/// Fewest rows a piece averages when a batch is cut into more than [`FEW_PIECES`] pieces.
const ROWS_PER_PIECE: usize = 4_096;
/// Pieces a batch may always be cut into.
const FEW_PIECES: usize = 64;

/// The non-empty pieces of `batch` without the rows `keep` rules out: zero-copy slices around
/// them while the pieces stay large (or few), a filtered copy where they would be small.
/// Filtering copied every column of every chunk that held one of the 909 duplicates of the
/// bench's 1e7-line files: 0.65 s of a 3.5 s Parquet import, ~1 s of the CSV one, whose
/// chunks hold ~150 duplicates each.
fn without_rows(
    batch: &RecordBatch,
    keep: &[bool],
) -> Result<Vec<RecordBatch>, arrow::error::ArrowError> {
    let left_out = keep.iter().filter(|k| !**k).count();
    if left_out >= FEW_PIECES && left_out.saturating_mul(ROWS_PER_PIECE) > batch.num_rows() {
        let kept = filter_record_batch(batch, &BooleanArray::from(keep.to_vec()))?;
        return Ok((kept.num_rows() > 0).then_some(kept).into_iter().collect());
    }
    let mut pieces = Vec::with_capacity(left_out + 1);
    let mut start = 0;
    for end in keep
        .iter()
        .enumerate()
        .filter_map(|(i, k)| (!k).then_some(i))
        .chain([keep.len()])
    {
        if end > start {
            pieces.push(batch.slice(start, end - start));
        }
        start = end + 1;
    }
    Ok(pieces)
}

fn add_counts(total: &mut RowCounts, c: &RowCounts) {
    total.rows_seen += c.rows_seen;
    total.accepted += c.accepted;
    total.quarantined += c.quarantined;
    total.skipped_blank += c.skipped_blank;
    total.malformed += c.malformed;
}

/// The file's currency: the most frequent marker when most amounts carry one, else CNY (a
/// file whose amounts carry no marker is taken to be in the business's own currency, and
/// amounts marked otherwise are quarantined). Also returns what can be *reported*: `None`
/// when no amount names a currency, since then the file never said.
fn file_currency(chunks: &[ChunkBuilder]) -> (&'static str, Option<&'static str>) {
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    for row in chunks.iter().flat_map(|c| &c.pending) {
        if let Some(code) = row.currency {
            *counts.entry(code).or_insert(0) += 1;
        }
    }
    let cny: u64 = chunks.iter().map(|c| c.cny_marked).sum();
    if cny > 0 {
        *counts.entry("CNY").or_insert(0) += cny;
    }
    let rows: u64 = chunks.iter().map(|c| c.accepted_len() as u64).sum();
    let marked: u64 = counts.values().sum();
    match counts
        .iter()
        .max_by_key(|(code, n)| (**n, std::cmp::Reverse(**code)))
    {
        Some((code, _)) if marked * 2 > rows => (code, Some(code)),
        _ => ("CNY", counts.contains_key("CNY").then_some("CNY")),
    }
}

fn replace_values(
    batch: &RecordBatch,
    replacements: &BTreeMap<usize, Vec<(usize, i64)>>,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for (field, rows) in replacements {
        let column = &columns[*field];
        let replaced: ArrayRef =
            if let Some(ts) = column.as_any().downcast_ref::<TimestampMicrosecondArray>() {
                let mut values: Vec<Option<i64>> = ts.iter().collect();
                for (row, v) in rows {
                    values[*row] = Some(*v);
                }
                Arc::new(TimestampMicrosecondArray::from(values))
            } else if let Some(d) = column.as_any().downcast_ref::<Date32Array>() {
                let mut values: Vec<Option<i32>> = d.iter().collect();
                for (row, v) in rows {
                    values[*row] = i32::try_from(*v).ok();
                }
                Arc::new(Date32Array::from(values))
            } else {
                Arc::clone(column)
            };
        columns[*field] = replaced;
    }
    RecordBatch::try_new(batch.schema(), columns)
}

/// A chunk's accepted rows that `excluded` does not rule out: (index, fingerprint).
fn counted_rows<'a>(
    c: &'a ChunkBuilder,
    excluded: &'a (impl Fn(&PendingRow) -> bool + Sync),
) -> impl Iterator<Item = (usize, &'a u128)> + 'a {
    // Pending rows are in row order.
    let mut skipped = c
        .pending
        .iter()
        .filter(|p| excluded(p))
        .map(|p| p.index)
        .peekable();
    c.fingerprints
        .iter()
        .enumerate()
        .filter(move |(i, _)| skipped.next_if_eq(i).is_none())
}

/// The accepted rows that repeat an earlier one exactly, each with the ordinal of the first,
/// in order of ordinal, among the rows `excluded` does not rule out: quarantined, or (kept
/// duplicates) only counted.
///
/// Two passes on all cores. First every row sets the bit of its fingerprint's top bits in a
/// table of about 16 bits a row; a row that finds its bit set already is a candidate (every
/// repeat is, and a few percent of the others by chance). Then only the rows whose high half is
/// a candidate's are sorted by whole fingerprint and ordinal. A map of every row's first line,
/// filled row by row in file order, took 1.4 s of a 3.7 s import of the bench's 1e7-line
/// Parquet file; one sort of (fingerprint, ordinal) triples, 24 bytes a row, 0.45 s of a
/// 2.6 s one; a sort of every high half 0.26 s (80 MB); this, 0.22 s (a 32 MB table).
/// The result does not depend on which of two racing rows set a bit first.
fn duplicate_rows(
    chunks: &[ChunkBuilder],
    excluded: impl Fn(&PendingRow) -> bool + Sync,
) -> Vec<(u64, u64)> {
    let counted = |c| counted_rows(c, &excluded);
    let high = |f: u128| (f >> 64) as u64;
    let rows: usize = chunks.iter().map(|c| c.fingerprints.len()).sum();
    let bits = rows.saturating_mul(16).next_power_of_two().max(1 << 16);
    let shift = 64 - bits.trailing_zeros();
    let seen: Vec<AtomicU64> = (0..bits / 64).map(|_| AtomicU64::new(0)).collect();
    let mut repeated: Vec<u64> = chunks
        .par_iter()
        .flat_map_iter(|c| {
            counted(c).filter_map(|(_, &f)| {
                let slot = (high(f) >> shift) as usize;
                let bit = 1u64 << (slot % 64);
                let before = seen[slot / 64].fetch_or(bit, Ordering::Relaxed);
                (before & bit != 0).then_some(high(f))
            })
        })
        .collect();
    drop(seen);
    if repeated.is_empty() {
        return Vec::new();
    }
    repeated.par_sort_unstable();
    repeated.dedup();
    // One bit per value of a half's low bits turns most rows away before the search.
    const FILTER_BITS: u32 = 24;
    let mut filter = vec![0u64; 1 << (FILTER_BITS - 6)];
    let slot = |h: u64| (h & ((1 << FILTER_BITS) - 1)) as usize;
    for &h in &repeated {
        filter[slot(h) / 64] |= 1 << (slot(h) % 64);
    }
    let may_repeat = |h: u64| {
        filter[slot(h) / 64] & (1 << (slot(h) % 64)) != 0 && repeated.binary_search(&h).is_ok()
    };
    let mut keys: Vec<(u128, u64)> = chunks
        .par_iter()
        .flat_map_iter(|c| {
            counted(c)
                .filter(|(_, f)| may_repeat(high(**f)))
                .map(|(i, &f)| (f, c.ordinals.get(i).unwrap_or_default()))
        })
        .collect();
    keys.sort_unstable();
    let mut later: Vec<(u64, u64)> = keys
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|same| same[1..].iter().map(|row| (row.1, same[0].1)))
        .collect();
    later.sort_unstable();
    later
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int64Array};
    use arrow::datatypes::Int64Type;

    fn values(batches: &[RecordBatch]) -> Vec<i64> {
        batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect()
    }

    #[test]
    fn rows_are_left_out_by_slices_when_few_and_by_a_filter_when_many() {
        let n = 1_000_i64;
        let column: ArrayRef = Arc::new(Int64Array::from_iter_values(0..n));
        let batch = RecordBatch::try_from_iter([("v", column)]).expect("batch");
        let few: Vec<bool> = (0..n).map(|i| !matches!(i, 0 | 5 | 6 | 999)).collect();
        let pieces = without_rows(&batch, &few).expect("pieces");
        assert_eq!(pieces.len(), 2);
        let expected: Vec<i64> = (0..n).filter(|&i| few[i as usize]).collect();
        assert_eq!(values(&pieces), expected);
        let many: Vec<bool> = (0..n).map(|i| i % 3 != 0).collect();
        let filtered = without_rows(&batch, &many).expect("filtered");
        assert_eq!(filtered.len(), 1);
        let expected: Vec<i64> = (0..n).filter(|&i| many[i as usize]).collect();
        assert_eq!(values(&filtered), expected);
        assert!(
            without_rows(&batch, &vec![false; n as usize])
                .expect("none")
                .is_empty()
        );
        assert_eq!(
            without_rows(&batch, &vec![true; n as usize])
                .expect("all")
                .len(),
            1
        );
        // Many rows left out of a large batch still leave large pieces: slices.
        let n = 500_000_i64;
        let column: ArrayRef = Arc::new(Int64Array::from_iter_values(0..n));
        let batch = RecordBatch::try_from_iter([("v", column)]).expect("batch");
        let spread: Vec<bool> = (0..n).map(|i| i % 5_000 != 7).collect();
        let pieces = without_rows(&batch, &spread).expect("pieces");
        assert_eq!(pieces.len(), 101);
        let expected: Vec<i64> = (0..n).filter(|&i| spread[i as usize]).collect();
        assert_eq!(values(&pieces), expected);
    }
}

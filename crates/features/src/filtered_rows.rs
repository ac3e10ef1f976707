//! The rows an aggregate's `FILTER (WHERE …)` keeps, for kehu's own aggregate functions.

use arrow::array::{Array, BooleanArray};

/// Whether `row` passes the filter (a null filter value does not).
pub(crate) fn kept(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

/// `(row, group)` of each row the filter keeps.
pub(crate) fn kept_rows<'a>(
    group_indices: &'a [usize],
    filter: Option<&'a BooleanArray>,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    group_indices
        .iter()
        .copied()
        .enumerate()
        .filter(move |(row, _)| kept(filter, *row))
}

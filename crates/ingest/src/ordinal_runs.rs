//! The ordinals (lines or rows) of a chunk's accepted rows, kept as runs of consecutive
//! ordinals: whole blocks of a file are accepted one ordinal after another, so a chunk of
//! 512Ki rows is a handful of runs instead of 4 MB of `u64`s (400 MB at 5e7 rows).

/// Ascending ordinals, one per accepted row, as runs.
#[derive(Debug, Default, Clone)]
pub struct OrdinalRuns {
    /// Each run's first row index and first ordinal, in order.
    runs: Vec<(usize, u64)>,
    /// Rows in all.
    len: usize,
}

impl OrdinalRuns {
    /// Rows in all.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `count` rows with the ordinals from `first` on (each above the last row's).
    pub fn push_run(&mut self, first: u64, count: usize) {
        if count == 0 {
            return;
        }
        let continues = self.last().is_some_and(|last| last + 1 == first);
        if !continues {
            self.runs.push((self.len, first));
        }
        self.len += count;
    }

    /// Appends one row.
    pub fn push(&mut self, ordinal: u64) {
        self.push_run(ordinal, 1);
    }

    /// Row `index`'s ordinal.
    pub fn get(&self, index: usize) -> Option<u64> {
        if index >= self.len {
            return None;
        }
        let run = self.runs.partition_point(|&(start, _)| start <= index) - 1;
        let (start, first) = self.runs[run];
        Some(first + (index - start) as u64)
    }

    /// The first and last ordinals.
    pub fn first(&self) -> Option<u64> {
        self.runs.first().map(|&(_, first)| first)
    }

    /// The last ordinal.
    pub fn last(&self) -> Option<u64> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// The index of the row with `ordinal`, if there is one.
    pub fn index_of(&self, ordinal: u64) -> Option<usize> {
        let run = self
            .runs
            .partition_point(|&(_, first)| first <= ordinal)
            .checked_sub(1)?;
        let (start, first) = self.runs[run];
        let end = self.runs.get(run + 1).map_or(self.len, |&(next, _)| next);
        let index = start + usize::try_from(ordinal - first).ok()?;
        (index < end).then_some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_answer_like_the_list_of_ordinals() {
        let list: Vec<u64> = (5..40)
            .chain([42, 43, 50])
            .chain(51..60)
            .chain([100])
            .collect();
        let mut runs = OrdinalRuns::default();
        runs.push_run(5, 10);
        for &o in &list[10..] {
            runs.push(o);
        }
        assert_eq!(runs.len(), list.len());
        assert_eq!(runs.runs.len(), 4, "{:?}", runs.runs);
        for (i, &o) in list.iter().enumerate() {
            assert_eq!(runs.get(i), Some(o));
            assert_eq!(runs.index_of(o), Some(i));
        }
        assert_eq!(runs.get(list.len()), None);
        for missing in [0, 4, 40, 41, 44, 49, 60, 99, 101] {
            assert_eq!(runs.index_of(missing), None, "{missing}");
        }
        assert_eq!((runs.first(), runs.last()), (Some(5), Some(100)));
        assert!(OrdinalRuns::default().last().is_none());
    }
}

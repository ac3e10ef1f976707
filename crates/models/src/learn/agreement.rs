//! How far two labelings of the same rows agree: the contingency table and the adjusted Rand
//! index (Hubert & Arabie 1985; scikit-learn's `adjusted_rand_score`).

/// Counts of rows per (label in A, label in B), row-major `a_labels × b_labels`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    pub a_labels: usize,
    pub b_labels: usize,
    pub counts: Vec<u64>,
}

impl Contingency {
    /// Tabulates two labelings of the same rows. Labels index the table directly, so they
    /// must be small dense codes.
    pub fn new(a: &[u32], b: &[u32]) -> Self {
        let a_labels = a.iter().max().map_or(0, |&m| m as usize + 1);
        let b_labels = b.iter().max().map_or(0, |&m| m as usize + 1);
        let mut counts = vec![0u64; a_labels * b_labels];
        for (&x, &y) in a.iter().zip(b) {
            counts[x as usize * b_labels + y as usize] += 1;
        }
        Self {
            a_labels,
            b_labels,
            counts,
        }
    }

    pub fn count(&self, a: usize, b: usize) -> u64 {
        self.counts[a * self.b_labels + b]
    }

    /// Adjusted Rand index: 1 for identical partitions (whatever the label names), about 0 for
    /// independent ones, negative when worse than chance. 1.0 in the degenerate cases where
    /// both labelings put everything together or everything apart (scikit-learn's convention).
    pub fn adjusted_rand_index(&self) -> f64 {
        let pairs = |n: u64| (n as f64) * (n as f64 - 1.0) / 2.0;
        let n: u64 = self.counts.iter().sum();
        let cells: f64 = self.counts.iter().map(|&c| pairs(c)).sum();
        let rows: f64 = (0..self.a_labels)
            .map(|a| pairs((0..self.b_labels).map(|b| self.count(a, b)).sum()))
            .sum();
        let columns: f64 = (0..self.b_labels)
            .map(|b| pairs((0..self.a_labels).map(|a| self.count(a, b)).sum()))
            .sum();
        let total = pairs(n);
        if total == 0.0 {
            return 1.0;
        }
        let expected = rows * columns / total;
        let maximum = (rows + columns) / 2.0;
        if maximum == expected {
            return 1.0;
        }
        (cells - expected) / (maximum - expected)
    }
}

/// Renumbers cluster labels so that 0 is the largest cluster, 1 the next, and so on (ties: the
/// cluster whose first row comes first). Returns the new labels and the old → new map.
pub fn relabel_by_size(labels: &[u32], k: usize) -> (Vec<u32>, Vec<u32>) {
    let mut sizes = vec![0usize; k];
    let mut first = vec![usize::MAX; k];
    for (row, &label) in labels.iter().enumerate() {
        let c = label as usize;
        sizes[c] += 1;
        first[c] = first[c].min(row);
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(first[a].cmp(&first[b])));
    let mut map = vec![0u32; k];
    for (new, &old) in order.iter().enumerate() {
        map[old] = new as u32;
    }
    (labels.iter().map(|&l| map[l as usize]).collect(), map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjusted_rand_index_matches_known_values() {
        // scikit-learn docs: adjusted_rand_score([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0 and
        // adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) == 0.5714285714285714.
        assert_eq!(
            Contingency::new(&[0, 0, 1, 1], &[1, 1, 0, 0]).adjusted_rand_index(),
            1.0
        );
        let ari = Contingency::new(&[0, 0, 1, 2], &[0, 0, 1, 1]).adjusted_rand_index();
        assert!((ari - 0.571_428_571_428_571_4).abs() < 1e-12);
        // adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1]) == -0.5
        let ari = Contingency::new(&[0, 0, 1, 1], &[0, 1, 0, 1]).adjusted_rand_index();
        assert!((ari + 0.5).abs() < 1e-12);
    }

    #[test]
    fn relabelling_puts_the_largest_first() {
        let (labels, map) = relabel_by_size(&[2, 0, 2, 1, 2, 0], 3);
        assert_eq!(labels, vec![0, 1, 0, 2, 0, 1]);
        assert_eq!(map, vec![1, 2, 0]);
    }
}

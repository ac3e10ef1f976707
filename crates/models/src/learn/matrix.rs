//! A dense row-major matrix of `f64` features: one row per customer (or sample), one column per
//! feature. The estimators in [`crate::learn`] take it by reference and never reorder it.

use thiserror::Error;

/// Dense row-major `f64` matrix. Row `i` is `values[i * n_cols..(i + 1) * n_cols]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n_rows: usize,
    n_cols: usize,
    values: Vec<f64>,
}

/// Why a matrix could not be built.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum MatrixError {
    #[error("{values} values do not fill a matrix of {n_cols} columns")]
    Ragged { values: usize, n_cols: usize },
    #[error("column {column} has {len} values, column 0 has {expected}")]
    ColumnLength {
        column: usize,
        len: usize,
        expected: usize,
    },
    #[error("a matrix needs at least one column")]
    NoColumns,
}

impl Matrix {
    /// Wraps row-major values.
    pub fn from_row_major(values: Vec<f64>, n_cols: usize) -> Result<Self, MatrixError> {
        if n_cols == 0 {
            return Err(MatrixError::NoColumns);
        }
        if !values.len().is_multiple_of(n_cols) {
            return Err(MatrixError::Ragged {
                values: values.len(),
                n_cols,
            });
        }
        Ok(Self {
            n_rows: values.len() / n_cols,
            n_cols,
            values,
        })
    }

    /// Interleaves equally long columns into rows.
    pub fn from_columns(columns: &[Vec<f64>]) -> Result<Self, MatrixError> {
        let Some(first) = columns.first() else {
            return Err(MatrixError::NoColumns);
        };
        let n_rows = first.len();
        for (column, values) in columns.iter().enumerate() {
            if values.len() != n_rows {
                return Err(MatrixError::ColumnLength {
                    column,
                    len: values.len(),
                    expected: n_rows,
                });
            }
        }
        let n_cols = columns.len();
        let mut values = Vec::with_capacity(n_rows * n_cols);
        for row in 0..n_rows {
            values.extend(columns.iter().map(|column| column[row]));
        }
        Ok(Self {
            n_rows,
            n_cols,
            values,
        })
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The features of one row.
    pub fn row(&self, row: usize) -> &[f64] {
        &self.values[row * self.n_cols..(row + 1) * self.n_cols]
    }

    /// All values, row after row.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// One column copied out (the estimators that scan features one at a time want this).
    pub fn column(&self, column: usize) -> Vec<f64> {
        self.values
            .iter()
            .skip(column)
            .step_by(self.n_cols)
            .copied()
            .collect()
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Self {
        let mut values = Vec::with_capacity(indices.len() * self.n_cols);
        for &row in indices {
            values.extend_from_slice(self.row(row));
        }
        Self {
            n_rows: indices.len(),
            n_cols: self.n_cols,
            values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_become_rows() {
        let matrix =
            Matrix::from_columns(&[vec![1.0, 2.0], vec![3.0, 4.0]]).expect("valid test data");
        assert_eq!(matrix.row(1), &[2.0, 4.0]);
        assert_eq!(matrix.column(1), vec![3.0, 4.0]);
        assert_eq!(matrix.select_rows(&[1, 0]).values(), &[2.0, 4.0, 1.0, 3.0]);
        assert!(Matrix::from_columns(&[vec![1.0], vec![]]).is_err());
        assert!(Matrix::from_row_major(vec![1.0, 2.0, 3.0], 2).is_err());
    }
}

//! `kehu_value_at_max(value, key)`: an aggregate function giving the `DECIMAL` value of the row
//! with the largest `BIGINT` key in its group (ties: the largest value); rows with a null value
//! or key do not count, and a group without rows gives null.
//!
//! It is `first_value(value ORDER BY key DESC)` for the BTYD summary's first purchase
//! occasion: DataFusion's ordered `first_value` compares each row's ordering as
//! `ScalarValue`s, 0.9 s of the 10M-line feature table (6M occasions); this keeps a key and
//! an `i128` per group (docs/BENCHMARKS.md).

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, Int64Array};
use arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature,
    TypeSignature, Volatility,
};
use std::sync::Arc;

use crate::filtered_rows::{kept, kept_rows};

/// The function's name in SQL.
pub const VALUE_AT_MAX: &str = "kehu_value_at_max";

/// The aggregate function, to register with a session.
pub fn value_at_max_udaf() -> AggregateUDF {
    AggregateUDF::from(ValueAtMax {
        signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ValueAtMax {
    signature: Signature,
}

/// The precision and scale of the value argument.
fn decimal_of(args: &[DataType]) -> Result<(u8, i8)> {
    match args {
        [DataType::Decimal128(p, s), DataType::Int64] => Ok((*p, *s)),
        _ => exec_err!("{VALUE_AT_MAX} takes (DECIMAL, BIGINT), not {args:?}"),
    }
}

impl AggregateUDFImpl for ValueAtMax {
    fn name(&self) -> &str {
        VALUE_AT_MAX
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        let (p, s) = decimal_of(args)?;
        Ok(DataType::Decimal128(p, s))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                "value",
                args.return_field.data_type().clone(),
                true,
            )),
            Arc::new(Field::new("key", DataType::Int64, true)),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(MaxKeyGroups::new(args.return_field.data_type())?))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(MaxKeyGroups::new(args.return_field.data_type())?))
    }
}

/// Per group, the best (key, value) so far; `None` before any row.
#[derive(Debug)]
struct MaxKeyGroups {
    best: Vec<Option<(i64, i128)>>,
    precision: u8,
    scale: i8,
}

fn columns(values: &[ArrayRef]) -> Result<(&Decimal128Array, &Int64Array)> {
    match (
        values
            .first()
            .and_then(|v| v.as_primitive_opt::<Decimal128Type>()),
        values
            .get(1)
            .and_then(|k| k.as_primitive_opt::<Int64Type>()),
    ) {
        (Some(v), Some(k)) => Ok((v, k)),
        _ => exec_err!("{VALUE_AT_MAX} takes (DECIMAL, BIGINT)"),
    }
}

impl MaxKeyGroups {
    fn new(output: &DataType) -> Result<Self> {
        match output {
            DataType::Decimal128(precision, scale) => Ok(MaxKeyGroups {
                best: Vec::new(),
                precision: *precision,
                scale: *scale,
            }),
            other => exec_err!("{VALUE_AT_MAX} gives a DECIMAL, not {other}"),
        }
    }

    fn grow(&mut self, groups: usize) {
        if self.best.len() < groups {
            self.best.resize(groups, None);
        }
    }

    fn offer(
        &mut self,
        values: &[ArrayRef],
        rows: impl Iterator<Item = (usize, usize)>,
    ) -> Result<()> {
        let (value, key) = columns(values)?;
        for (row, group) in rows {
            if value.is_null(row) || key.is_null(row) {
                continue;
            }
            let offered = (key.value(row), value.value(row));
            let held = &mut self.best[group];
            if held.is_none_or(|h| offered > h) {
                *held = Some(offered);
            }
        }
        Ok(())
    }

    fn values_of(&self, best: &[Option<(i64, i128)>]) -> Result<Decimal128Array> {
        Ok(
            Decimal128Array::from_iter(best.iter().map(|b| b.map(|(_, v)| v)))
                .with_precision_and_scale(self.precision, self.scale)?,
        )
    }

    fn state_of(&self, best: &[Option<(i64, i128)>]) -> Result<Vec<ArrayRef>> {
        let keys = Int64Array::from_iter(best.iter().map(|b| b.map(|(k, _)| k)));
        Ok(vec![Arc::new(self.values_of(best)?), Arc::new(keys)])
    }
}

impl GroupsAccumulator for MaxKeyGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        self.offer(values, kept_rows(group_indices, opt_filter))
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let best = emit_to.take_needed(&mut self.best);
        Ok(Arc::new(self.values_of(&best)?))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let best = emit_to.take_needed(&mut self.best);
        self.state_of(&best)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        self.offer(values, group_indices.iter().copied().enumerate())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let (value, key) = columns(values)?;
        let counted = |r: usize| kept(opt_filter, r) && value.is_valid(r) && key.is_valid(r);
        let best: Vec<Option<(i64, i128)>> = (0..value.len())
            .map(|r| counted(r).then(|| (key.value(r), value.value(r))))
            .collect();
        self.state_of(&best)
    }

    fn size(&self) -> usize {
        self.best.capacity() * std::mem::size_of::<Option<(i64, i128)>>()
    }
}

/// The same for a single group (an aggregate without `GROUP BY`).
impl Accumulator for MaxKeyGroups {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.grow(1);
        let rows = values.first().map_or(0, |v| v.len());
        self.offer(values, (0..rows).map(|r| (r, 0)))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.grow(1);
        ScalarValue::try_from_array(&self.values_of(&self.best[..1])?, 0)
    }

    fn size(&self) -> usize {
        GroupsAccumulator::size(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.grow(1);
        self.state_of(&self.best[..1])?
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.grow(1);
        let rows = states.first().map_or(0, |v| v.len());
        self.offer(states, (0..rows).map(|r| (r, 0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Box<dyn GroupsAccumulator> {
        Box::new(MaxKeyGroups::new(&DataType::Decimal128(38, 4)).expect("decimal"))
    }

    fn input(values: &[Option<i128>], keys: &[Option<i64>]) -> Vec<ArrayRef> {
        let values = Decimal128Array::from(values.to_vec())
            .with_precision_and_scale(38, 4)
            .expect("decimal");
        vec![Arc::new(values), Arc::new(Int64Array::from(keys.to_vec()))]
    }

    fn raw(a: &ArrayRef) -> Vec<Option<i128>> {
        a.as_primitive::<Decimal128Type>().iter().collect()
    }

    #[test]
    fn the_value_of_the_largest_key() {
        let mut acc = groups();
        let rows = input(
            &[Some(5), Some(7), Some(1), None, Some(3), Some(9)],
            &[Some(10), Some(30), Some(20), Some(99), None, Some(30)],
        );
        acc.update_batch(&rows, &[0, 0, 0, 0, 1, 2], None, 3)
            .expect("update");
        assert_eq!(
            raw(&acc.evaluate(EmitTo::All).expect("evaluate")),
            [Some(7), None, Some(9)]
        );
    }

    #[test]
    fn partial_states_merge_and_filters_apply() {
        let mut left = groups();
        left.update_batch(
            &input(&[Some(1), Some(2)], &[Some(5), Some(1)]),
            &[0, 1],
            None,
            2,
        )
        .expect("update");
        let mut right = groups();
        let keep = BooleanArray::from(vec![true, false]);
        right
            .update_batch(
                &input(&[Some(3), Some(4)], &[Some(4), Some(9)]),
                &[0, 1],
                Some(&keep),
                2,
            )
            .expect("update");
        let direct = right
            .convert_to_state(&input(&[Some(8)], &[Some(6)]), None)
            .expect("state");
        let mut last = groups();
        for mut part in [left, right] {
            let state = part.state(EmitTo::All).expect("state");
            last.merge_batch(&state, &[0, 1], 2).expect("merge");
        }
        last.merge_batch(&direct, &[1], 2).expect("merge");
        // Group 0: keys 5 and 4; group 1: keys 1 and 6 (the 9 was filtered out).
        assert_eq!(
            raw(&last.evaluate(EmitTo::All).expect("evaluate")),
            [Some(1), Some(8)]
        );
    }
}

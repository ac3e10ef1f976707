//! `kehu_sole_value(text)`: an aggregate function giving a group's one distinct non-null
//! value, or NULL when the group has none or several (`count(text) > 0` tells those apart).
//!
//! The feature table asks of every order which channel and region it was placed in. Nearly
//! every order has one of each, and the few that have several need their lines looked at.
//! DataFusion's `min`/`max` of text keep a growable buffer per group: on the 6M orders of the
//! bench's 10M lines, `min` and `max` of the two columns added 5.1 s to the orders'
//! aggregation, and joining the orders back to the lines instead took 4.1 s. This function
//! keeps a `u32` per group, a code into the distinct values seen (channels and regions are
//! few): the two columns and their two counts add ~0.5 s there (docs/BENCHMARKS.md).

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use std::sync::Arc;

use crate::filtered_rows::kept_rows;
use crate::text_codes::TextCodes;

/// The function's name in SQL.
pub const SOLE_VALUE: &str = "kehu_sole_value";

/// A group without a value yet.
const NONE: u32 = 0;
/// A group with more than one distinct value.
const SEVERAL: u32 = u32::MAX;

/// The aggregate function, to register with a session.
pub fn sole_value_udaf() -> AggregateUDF {
    AggregateUDF::from(SoleValue {
        signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SoleValue {
    signature: Signature,
}

impl AggregateUDFImpl for SoleValue {
    fn name(&self) -> &str {
        SOLE_VALUE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new("value", DataType::Utf8, true)),
            Arc::new(Field::new("several", DataType::Boolean, false)),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SoleValueGroups::default()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(SoleValueGroups::default()))
    }
}

/// Per group, [`NONE`], [`SEVERAL`] or the code of its value in `texts`.
#[derive(Debug, Default)]
struct SoleValueGroups {
    codes: Vec<u32>,
    texts: TextCodes,
}

impl SoleValueGroups {
    fn meet(&mut self, group: usize, code: u32) {
        let held = &mut self.codes[group];
        if *held == NONE {
            *held = code;
        } else if *held != code {
            *held = SEVERAL;
        }
    }

    fn grow(&mut self, groups: usize) {
        if self.codes.len() < groups {
            self.codes.resize(groups, NONE);
        }
    }

    fn text(&self, code: u32) -> Option<&str> {
        match code {
            SEVERAL => None,
            c => self.texts.text(c),
        }
    }

    fn values_of(&self, codes: &[u32]) -> StringArray {
        codes.iter().map(|&c| self.text(c)).collect()
    }

    fn state_of(&self, codes: &[u32]) -> Vec<ArrayRef> {
        let several: BooleanArray = codes.iter().map(|&c| Some(c == SEVERAL)).collect();
        vec![Arc::new(self.values_of(codes)), Arc::new(several)]
    }

    fn take_values(&mut self, values: &ArrayRef, rows: impl Iterator<Item = (usize, usize)>) {
        let values = values.as_string::<i32>();
        for (row, group) in rows {
            if values.is_valid(row) {
                let code = self.texts.code_of(values.value(row));
                self.meet(group, code);
            }
        }
    }
}

fn text_column(values: &[ArrayRef]) -> Result<&ArrayRef> {
    match values.first() {
        Some(v) if v.data_type() == &DataType::Utf8 => Ok(v),
        Some(v) => exec_err!("{SOLE_VALUE} takes text, not {}", v.data_type()),
        None => exec_err!("{SOLE_VALUE} takes one argument"),
    }
}

fn several_column(values: &[ArrayRef]) -> Result<&BooleanArray> {
    match values.get(1).and_then(|v| v.as_boolean_opt()) {
        Some(b) => Ok(b),
        None => exec_err!("{SOLE_VALUE}: the state has no `several` column"),
    }
}

impl GroupsAccumulator for SoleValueGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let text = text_column(values)?;
        self.take_values(text, kept_rows(group_indices, opt_filter));
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let codes = emit_to.take_needed(&mut self.codes);
        Ok(Arc::new(self.values_of(&codes)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let codes = emit_to.take_needed(&mut self.codes);
        Ok(self.state_of(&codes))
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let several = several_column(values)?;
        for (row, &group) in group_indices.iter().enumerate() {
            if several.value(row) {
                self.codes[group] = SEVERAL;
            }
        }
        self.take_values(
            text_column(values)?,
            group_indices.iter().copied().enumerate(),
        );
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let text = text_column(values)?;
        let value = match opt_filter {
            None => Arc::clone(text),
            Some(f) => {
                let kept = arrow::compute::kernels::boolean::not(f)?;
                arrow::compute::kernels::nullif::nullif(text, &kept)?
            }
        };
        let several = BooleanArray::from(vec![false; text.len()]);
        Ok(vec![value, Arc::new(several)])
    }

    fn size(&self) -> usize {
        self.codes.capacity() * 4 + self.texts.size()
    }
}

/// The same for a single group (an aggregate without `GROUP BY`).
impl Accumulator for SoleValueGroups {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.grow(1);
        let text = text_column(values)?;
        self.take_values(text, (0..text.len()).map(|r| (r, 0)));
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let code = self.codes.first().copied().unwrap_or(NONE);
        Ok(ScalarValue::Utf8(self.text(code).map(str::to_string)))
    }

    fn size(&self) -> usize {
        GroupsAccumulator::size(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let code = self.codes.first().copied().unwrap_or(NONE);
        Ok(vec![
            ScalarValue::Utf8(self.text(code).map(str::to_string)),
            ScalarValue::Boolean(Some(code == SEVERAL)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.grow(1);
        let several = several_column(states)?;
        if several.true_count() > 0 {
            self.codes[0] = SEVERAL;
        }
        let text = text_column(states)?;
        self.take_values(text, (0..text.len()).map(|r| (r, 0)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FeatureEngine;
    use arrow::array::RecordBatch;
    use arrow::datatypes::Schema;

    fn groups() -> Box<dyn GroupsAccumulator> {
        Box::new(SoleValueGroups::default())
    }

    fn text(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    fn strings(a: &ArrayRef) -> Vec<Option<String>> {
        a.as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn one_value_none_or_several() {
        let mut acc = groups();
        let values = text(&[
            Some("web"),
            None,
            Some("web"),
            Some("web"),
            Some("app"),
            None,
        ]);
        acc.update_batch(&[values], &[0, 0, 0, 1, 1, 2], None, 4)
            .expect("update");
        let out = acc.evaluate(EmitTo::All).expect("evaluate");
        let expected = [Some("web".to_string()), None, None, None];
        assert_eq!(strings(&out), expected);
    }

    #[test]
    fn filtered_rows_do_not_count() {
        let mut acc = groups();
        let values = text(&[Some("web"), Some("app")]);
        let keep = BooleanArray::from(vec![true, false]);
        acc.update_batch(std::slice::from_ref(&values), &[0, 0], Some(&keep), 1)
            .expect("update");
        let out = acc.evaluate(EmitTo::All).expect("evaluate");
        assert_eq!(strings(&out), [Some("web".to_string())]);
        let state = acc.convert_to_state(&[values], Some(&keep)).expect("state");
        assert_eq!(strings(&state[0]), [Some("web".to_string()), None]);
    }

    #[test]
    fn partial_states_merge() {
        // Two partial aggregations of groups 0..3, then their states merged by a third.
        let mut left = groups();
        left.update_batch(
            &[text(&[Some("a"), Some("a"), Some("b"), Some("c")])],
            &[0, 1, 1, 2],
            None,
            3,
        )
        .expect("update");
        let mut right = groups();
        right
            .update_batch(&[text(&[Some("a"), Some("b"), None])], &[0, 2, 1], None, 3)
            .expect("update");
        let mut last = groups();
        for mut part in [left, right] {
            let state = part.state(EmitTo::All).expect("state");
            last.merge_batch(&state, &[0, 1, 2], 3).expect("merge");
        }
        let out = last.evaluate(EmitTo::First(2)).expect("first two");
        // group 0: a and a; group 1: several in the left part; group 2: c and b.
        assert_eq!(strings(&out), [Some("a".to_string()), None]);
        let rest = last.evaluate(EmitTo::All).expect("the rest");
        assert_eq!(strings(&rest), [None]);
    }

    #[test]
    fn works_in_sql_with_and_without_groups() {
        let engine = FeatureEngine::new().expect("engine");
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Utf8, false),
            Field::new("v", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                text(&[Some("x"), Some("x"), Some("y"), Some("y"), Some("z")]),
                text(&[Some("web"), Some("web"), Some("web"), Some("app"), None]),
            ],
        )
        .expect("batch");
        engine.register("t", schema, vec![batch]).expect("register");
        let grouped = engine
            .sql("SELECT k, kehu_sole_value(v) AS v, count(v) AS n FROM t GROUP BY k ORDER BY k")
            .expect("grouped");
        let grouped =
            arrow::compute::concat_batches(&grouped[0].schema(), &grouped).expect("one batch");
        assert_eq!(
            strings(grouped.column(1)),
            [Some("web".to_string()), None, None]
        );
        let all = engine
            .sql("SELECT kehu_sole_value(v) FILTER (WHERE k = 'x') AS v FROM t")
            .expect("ungrouped");
        assert_eq!(strings(all[0].column(0)), [Some("web".to_string())]);
    }
}

//! `kehu_top(text, weight)`: an aggregate function giving the text with the largest weight in
//! its group, ties going to the smallest text (byte order, as SQL sorts text); rows with a null
//! text or weight do not count. The weight is a `BIGINT` or a `DECIMAL` (compared unscaled:
//! one column has one scale).
//!
//! It is `first_value(text ORDER BY weight DESC, text)` for the top category, channel and
//! region of the feature table: DataFusion's ordered `first_value` compares each row's
//! ordering as `ScalarValue`s, ~1 s of the 10M-line feature table for the three; this keeps a
//! code and an `i128` per group (docs/BENCHMARKS.md).

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, PrimitiveArray, StringArray,
};
use arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature,
    TypeSignature, Volatility,
};
use std::sync::Arc;

use crate::filtered_rows::{kept, kept_rows};
use crate::text_codes::TextCodes;

/// The function's name in SQL.
pub const TOP_VALUE: &str = "kehu_top";

/// The aggregate function, to register with a session.
pub fn top_value_udaf() -> AggregateUDF {
    AggregateUDF::from(TopValue {
        signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TopValue {
    signature: Signature,
}

impl AggregateUDFImpl for TopValue {
    fn name(&self) -> &str {
        TOP_VALUE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [DataType::Utf8, DataType::Int64 | DataType::Decimal128(..)] => Ok(DataType::Utf8),
            _ => exec_err!("{TOP_VALUE} takes (text, BIGINT or DECIMAL), not {args:?}"),
        }
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new("text", DataType::Utf8, true)),
            // The weights unscaled, whatever their type.
            Arc::new(Field::new("weight", DataType::Decimal128(38, 0), true)),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(TopGroups::default()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(TopGroups::default()))
    }
}

/// Per group, the code of its best text (0: none yet) and that text's weight.
#[derive(Debug, Default)]
struct TopGroups {
    best: Vec<(u32, i128)>,
    texts: TextCodes,
}

/// The weights of a batch as `i128`s (unscaled decimals).
fn weights(values: &[ArrayRef]) -> Result<PrimitiveArray<Decimal128Type>> {
    match values.get(1) {
        Some(w) if w.data_type() == &DataType::Int64 => Ok(w
            .as_primitive::<Int64Type>()
            .unary::<_, Decimal128Type>(i128::from)),
        Some(w) if matches!(w.data_type(), DataType::Decimal128(..)) => {
            Ok(w.as_primitive::<Decimal128Type>().clone())
        }
        Some(w) => exec_err!(
            "{TOP_VALUE}: a weight is BIGINT or DECIMAL, not {}",
            w.data_type()
        ),
        None => exec_err!("{TOP_VALUE} takes two arguments"),
    }
}

fn texts(values: &[ArrayRef]) -> Result<&StringArray> {
    match values.first().and_then(|v| v.as_string_opt::<i32>()) {
        Some(t) => Ok(t),
        None => exec_err!("{TOP_VALUE}: the first argument is text"),
    }
}

impl TopGroups {
    fn grow(&mut self, groups: usize) {
        if self.best.len() < groups {
            self.best.resize(groups, (0, 0));
        }
    }

    fn offer(
        &mut self,
        values: &[ArrayRef],
        rows: impl Iterator<Item = (usize, usize)>,
    ) -> Result<()> {
        let text = texts(values)?;
        let weight = weights(values)?;
        for (row, group) in rows {
            if text.is_null(row) || weight.is_null(row) {
                continue;
            }
            let (w, t) = (weight.value(row), text.value(row));
            let (code, held) = self.best[group];
            let better = code == 0
                || w > held
                || (w == held && self.texts.text(code).is_some_and(|h| t < h));
            if better {
                self.best[group] = (self.texts.code_of(t), w);
            }
        }
        Ok(())
    }

    fn state_of(&self, best: &[(u32, i128)]) -> Result<Vec<ArrayRef>> {
        let text: StringArray = best.iter().map(|&(c, _)| self.texts.text(c)).collect();
        let weight = Decimal128Array::from_iter(best.iter().map(|&(c, w)| (c != 0).then_some(w)))
            .with_precision_and_scale(38, 0)?;
        Ok(vec![Arc::new(text), Arc::new(weight)])
    }
}

impl GroupsAccumulator for TopGroups {
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
        let text: StringArray = best.iter().map(|&(c, _)| self.texts.text(c)).collect();
        Ok(Arc::new(text))
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
        let text = texts(values)?;
        let weight = weights(values)?;
        let counted = |r: usize| kept(opt_filter, r) && text.is_valid(r) && weight.is_valid(r);
        let t: StringArray = (0..text.len())
            .map(|r| counted(r).then(|| text.value(r)))
            .collect();
        let w = Decimal128Array::from_iter(
            (0..text.len()).map(|r| counted(r).then(|| weight.value(r))),
        )
        .with_precision_and_scale(38, 0)?;
        Ok(vec![Arc::new(t), Arc::new(w)])
    }

    fn size(&self) -> usize {
        self.best.capacity() * 32 + self.texts.size()
    }
}

/// The same for a single group (an aggregate without `GROUP BY`).
impl Accumulator for TopGroups {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.grow(1);
        let rows = values.first().map_or(0, |v| v.len());
        self.offer(values, (0..rows).map(|r| (r, 0)))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let code = self.best.first().map_or(0, |b| b.0);
        Ok(ScalarValue::Utf8(self.texts.text(code).map(str::to_string)))
    }

    fn size(&self) -> usize {
        GroupsAccumulator::size(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.grow(1);
        let state = self.state_of(&self.best[..1])?;
        state
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
    use arrow::array::Int64Array;

    fn groups() -> Box<dyn GroupsAccumulator> {
        Box::new(TopGroups::default())
    }

    fn input(texts: &[Option<&str>], weights: &[Option<i64>]) -> Vec<ArrayRef> {
        vec![
            Arc::new(StringArray::from(texts.to_vec())),
            Arc::new(Int64Array::from(weights.to_vec())),
        ]
    }

    fn strings(a: &ArrayRef) -> Vec<Option<String>> {
        a.as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn largest_weight_then_smallest_text() {
        let mut acc = groups();
        let values = input(
            &[Some("b"), Some("a"), Some("c"), Some("z"), None, Some("y")],
            &[Some(5), Some(5), Some(4), Some(1), Some(9), None],
        );
        acc.update_batch(&values, &[0, 0, 0, 1, 1, 2], None, 3)
            .expect("update");
        let out = acc.evaluate(EmitTo::All).expect("evaluate");
        assert_eq!(strings(&out), [Some("a".into()), Some("z".into()), None]);
    }

    #[test]
    fn decimal_weights_and_merged_states() {
        let decimals = |v: Vec<i128>| -> ArrayRef {
            Arc::new(
                Decimal128Array::from(v)
                    .with_precision_and_scale(38, 4)
                    .expect("decimal"),
            )
        };
        let text = |v: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let mut left = groups();
        left.update_batch(
            &[text(vec!["web", "app"]), decimals(vec![10_0000, 30_0000])],
            &[0, 1],
            None,
            2,
        )
        .expect("update");
        let mut right = groups();
        let filter = BooleanArray::from(vec![true, false]);
        right
            .update_batch(
                &[text(vec!["shop", "mail"]), decimals(vec![10_0000, 99_0000])],
                &[0, 1],
                Some(&filter),
                2,
            )
            .expect("update");
        let mut last = groups();
        for mut part in [left, right] {
            let state = part.state(EmitTo::All).expect("state");
            last.merge_batch(&state, &[0, 1], 2).expect("merge");
        }
        // Group 0: web and shop tie at 10 (shop is smaller); group 1: mail was filtered out.
        let out = last.evaluate(EmitTo::All).expect("evaluate");
        assert_eq!(strings(&out), [Some("shop".into()), Some("app".into())]);
    }
}

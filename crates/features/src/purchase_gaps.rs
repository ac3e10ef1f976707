//! `kehu_purchase_gaps(us)`: an aggregate function over a customer's purchase times (µs)
//! giving the exact statistics of the gaps between consecutive purchases, as a struct:
//! `n` (gaps: purchases − 1, 0 for one purchase), `s1` and `s2` (sums of the gaps and of
//! their squares, exact `DECIMAL(38, 0)`, null without gaps) and `last` (the gap before the
//! last purchase, null without gaps).
//!
//! The times are sorted per group, so equal times give gaps of 0 and the result does not
//! depend on the order rows arrive in. As a window (`us - lag(us) OVER (PARTITION BY
//! customer_id ORDER BY us, order_id)`) and a second aggregation, DataFusion sorted every
//! purchase by its customer's id: 2.6 s of the feature table at 10M lines (6M purchases).
//! Here each customer's times are kept in a small vector and sorted alone (docs/BENCHMARKS.md).

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, Int64Array, Int64Builder, ListArray,
    StructArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use std::sync::Arc;

use crate::filtered_rows::{kept, kept_rows};

/// The function's name in SQL.
pub const PURCHASE_GAPS: &str = "kehu_purchase_gaps";

/// The aggregate function, to register with a session.
pub fn purchase_gaps_udaf() -> AggregateUDF {
    AggregateUDF::from(PurchaseGaps {
        signature: Signature::exact(vec![DataType::Int64], Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PurchaseGaps {
    signature: Signature,
}

fn result_fields() -> Fields {
    Fields::from(vec![
        Field::new("n", DataType::Int64, false),
        Field::new("s1", DataType::Decimal128(38, 0), true),
        Field::new("s2", DataType::Decimal128(38, 0), true),
        Field::new("last", DataType::Int64, true),
    ])
}

fn times_field() -> FieldRef {
    Arc::new(Field::new_list_field(DataType::Int64, false))
}

impl AggregateUDFImpl for PurchaseGaps {
    fn name(&self) -> &str {
        PURCHASE_GAPS
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            "times",
            DataType::List(times_field()),
            false,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(GapGroups::default()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(GapGroups::default()))
    }
}

/// Each group's purchase times, unsorted until evaluated.
#[derive(Debug, Default)]
struct GapGroups {
    times: Vec<Vec<i64>>,
    /// Times held, for [`GroupsAccumulator::size`].
    held: usize,
}

/// The statistics of one group's times.
struct Gaps {
    n: i64,
    s1: Option<i128>,
    s2: Option<i128>,
    last: Option<i64>,
}

fn gaps_of(times: &mut [i64]) -> Gaps {
    times.sort_unstable();
    let mut s1 = 0i128;
    let mut s2 = 0i128;
    for pair in times.windows(2) {
        let gap = i128::from(pair[1]) - i128::from(pair[0]);
        s1 += gap;
        s2 += gap * gap;
    }
    let n = times.len().saturating_sub(1);
    let last = match times {
        [.., a, b] => Some(*b - *a),
        _ => None,
    };
    Gaps {
        n: n as i64,
        s1: (n > 0).then_some(s1),
        s2: (n > 0).then_some(s2),
        last,
    }
}

fn results(groups: &mut [Vec<i64>]) -> Result<ArrayRef> {
    let all: Vec<Gaps> = groups.iter_mut().map(|t| gaps_of(t)).collect();
    let decimal = |v: Vec<Option<i128>>| -> Result<ArrayRef> {
        Ok(Arc::new(
            Decimal128Array::from(v).with_precision_and_scale(38, 0)?,
        ))
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(all.iter().map(|g| g.n))),
        decimal(all.iter().map(|g| g.s1).collect())?,
        decimal(all.iter().map(|g| g.s2).collect())?,
        Arc::new(Int64Array::from_iter(all.iter().map(|g| g.last))),
    ];
    Ok(Arc::new(StructArray::try_new(
        result_fields(),
        columns,
        None,
    )?))
}

/// The state of `groups` as one list of times per group.
fn state_of(groups: &[Vec<i64>]) -> Result<ArrayRef> {
    let lengths = groups.iter().map(Vec::len);
    let offsets = OffsetBuffer::from_lengths(lengths);
    let mut values = Int64Builder::with_capacity(offsets.last().map_or(0, |&o| o as usize));
    for g in groups {
        values.append_slice(g);
    }
    Ok(Arc::new(ListArray::try_new(
        times_field(),
        offsets,
        Arc::new(values.finish()),
        None,
    )?))
}

fn times_column(values: &[ArrayRef]) -> Result<&Int64Array> {
    match values
        .first()
        .and_then(|v| v.as_primitive_opt::<Int64Type>())
    {
        Some(v) => Ok(v),
        None => exec_err!("{PURCHASE_GAPS} takes one BIGINT argument"),
    }
}

fn state_column(values: &[ArrayRef]) -> Result<&ListArray> {
    match values.first().and_then(|v| v.as_list_opt::<i32>()) {
        Some(v) => Ok(v),
        None => exec_err!("{PURCHASE_GAPS}: the state is not a list of times"),
    }
}

impl GapGroups {
    fn grow(&mut self, groups: usize) {
        if self.times.len() < groups {
            self.times.resize_with(groups, Vec::new);
        }
    }

    fn push(&mut self, group: usize, time: i64) {
        self.times[group].push(time);
        self.held += 1;
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Vec<i64>> {
        let taken = emit_to.take_needed(&mut self.times);
        self.held -= taken.iter().map(Vec::len).sum::<usize>();
        taken
    }
}

impl GroupsAccumulator for GapGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let times = times_column(values)?;
        for (row, group) in kept_rows(group_indices, opt_filter) {
            if times.is_valid(row) {
                self.push(group, times.value(row));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        results(&mut self.take(emit_to))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![state_of(&self.take(emit_to))?])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let lists = state_column(values)?;
        let times = lists.values().as_primitive::<Int64Type>();
        let offsets = lists.value_offsets();
        for (row, &group) in group_indices.iter().enumerate() {
            if lists.is_valid(row) {
                for i in offsets[row] as usize..offsets[row + 1] as usize {
                    self.push(group, times.value(i));
                }
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let times = times_column(values)?;
        let one: Vec<Vec<i64>> = (0..times.len())
            .map(|row| {
                if kept(opt_filter, row) && times.is_valid(row) {
                    vec![times.value(row)]
                } else {
                    Vec::new()
                }
            })
            .collect();
        Ok(vec![state_of(&one)?])
    }

    fn size(&self) -> usize {
        self.times.capacity() * std::mem::size_of::<Vec<i64>>() + self.held * 8
    }
}

/// The same for a single group (an aggregate without `GROUP BY`).
impl Accumulator for GapGroups {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.grow(1);
        let times = times_column(values)?;
        for t in times.iter().flatten() {
            self.push(0, t);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.grow(1);
        let array = results(&mut self.times[..1])?;
        ScalarValue::try_from_array(&array, 0)
    }

    fn size(&self) -> usize {
        GroupsAccumulator::size(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.grow(1);
        let state = state_of(&self.times[..1])?;
        Ok(vec![ScalarValue::try_from_array(&state, 0)?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.grow(1);
        let lists = state_column(states)?;
        for row in 0..lists.len() {
            if lists.is_valid(row) {
                let times = lists.value(row);
                for t in times.as_primitive::<Int64Type>().iter().flatten() {
                    self.push(0, t);
                }
            }
        }
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
        Box::new(GapGroups::default())
    }

    fn times(values: &[i64]) -> ArrayRef {
        Arc::new(Int64Array::from(values.to_vec()))
    }

    /// (n, s1, s2, last).
    type Stats = (i64, Option<i128>, Option<i128>, Option<i64>);

    /// The statistics of each row of a result.
    fn rows(result: &ArrayRef) -> Vec<Stats> {
        let s = result.as_struct();
        let n = s.column(0).as_primitive::<Int64Type>();
        let s1 = s
            .column(1)
            .as_primitive::<arrow::datatypes::Decimal128Type>();
        let s2 = s
            .column(2)
            .as_primitive::<arrow::datatypes::Decimal128Type>();
        let last = s.column(3).as_primitive::<Int64Type>();
        (0..s.len())
            .map(|r| {
                (
                    n.value(r),
                    s1.is_valid(r).then(|| s1.value(r)),
                    s2.is_valid(r).then(|| s2.value(r)),
                    last.is_valid(r).then(|| last.value(r)),
                )
            })
            .collect()
    }

    /// The statistics as the feature table defined them before: sort, then gaps.
    fn naive(mut t: Vec<i64>) -> Stats {
        t.sort();
        let gaps: Vec<i128> = t.windows(2).map(|w| i128::from(w[1] - w[0])).collect();
        if gaps.is_empty() {
            return (0, None, None, None);
        }
        (
            gaps.len() as i64,
            Some(gaps.iter().sum()),
            Some(gaps.iter().map(|g| g * g).sum()),
            gaps.last().map(|&g| g as i64),
        )
    }

    #[test]
    fn gaps_of_unsorted_times_with_ties() {
        let mut acc = groups();
        acc.update_batch(&[times(&[30, 10, 30, 5, 7])], &[0, 0, 0, 1, 2], None, 4)
            .expect("update");
        let out = acc.evaluate(EmitTo::All).expect("evaluate");
        assert_eq!(
            rows(&out),
            [
                // 10, 30, 30: gaps 20 and 0, the last 0.
                (2, Some(20), Some(400), Some(0)),
                (0, None, None, None),
                (0, None, None, None),
                (0, None, None, None),
            ]
        );
    }

    proptest::proptest! {
        /// Any split of the rows into partial aggregations, merged, gives the statistics of
        /// all the times together; filtered rows and nulls are left out.
        #[test]
        fn partial_states_merge_to_the_whole(
            rows_in in proptest::collection::vec((0..3usize, 0..1_000_000i64, 0..8u8), 0..60),
            cut in 0..60usize,
        ) {
            let cut = cut.min(rows_in.len());
            let mut last = groups();
            for part in [&rows_in[..cut], &rows_in[cut..]] {
                let mut partial = groups();
                let t: Vec<Option<i64>> =
                    part.iter().map(|(_, t, k)| (*k != 0).then_some(*t)).collect();
                let keep = BooleanArray::from(part.iter().map(|(_, _, k)| *k != 1).collect::<Vec<_>>());
                let g: Vec<usize> = part.iter().map(|(g, _, _)| *g).collect();
                partial
                    .update_batch(&[Arc::new(Int64Array::from(t.clone()))], &g, Some(&keep), 3)
                    .expect("update");
                last.merge_batch(&partial.state(EmitTo::All).expect("state"), &[0, 1, 2], 3)
                    .expect("merge");
                // Rows handed straight to the merge as states count the same.
                let direct = partial.convert_to_state(&[Arc::new(Int64Array::from(t))], Some(&keep))
                    .expect("convert");
                let mut again = groups();
                again.merge_batch(&direct, &g, 3).expect("merge");
                let expected: Vec<_> = (0..3)
                    .map(|k| naive(part.iter().filter(|(g, _, f)| *g == k && *f > 1).map(|r| r.1).collect()))
                    .collect();
                proptest::prop_assert_eq!(rows(&again.evaluate(EmitTo::All).expect("evaluate")), expected);
            }
            let expected: Vec<_> = (0..3)
                .map(|k| naive(rows_in.iter().filter(|(g, _, f)| *g == k && *f > 1).map(|r| r.1).collect()))
                .collect();
            proptest::prop_assert_eq!(rows(&last.evaluate(EmitTo::All).expect("evaluate")), expected);
        }
    }

    #[test]
    fn works_in_sql_without_groups() {
        let engine = FeatureEngine::new().expect("engine");
        let schema = Arc::new(Schema::new(vec![Field::new("us", DataType::Int64, true)]));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![times(&[100, 40, 70])]).expect("batch");
        engine.register("t", schema, vec![batch]).expect("register");
        let out = engine
            .sql("SELECT get_field(kehu_purchase_gaps(us), 'last') AS last FROM t")
            .expect("query");
        let last = out[0].column(0).as_primitive::<Int64Type>();
        assert_eq!(last.value(0), 30);
    }
}

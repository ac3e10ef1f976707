use crate::GenParams;
use crate::customer_sim::{CustomerSim, Event};
use crate::feedback::FeedbackEntry;
use crate::population::Population;
use crate::streams::Streams;
use rand::Rng;

/// The last customer's history cut short to reach an exact number of rows: their purchase
/// `seq` keeps only its first `lines` lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cut {
    pub(crate) customer: u32,
    pub(crate) seq: u16,
    pub(crate) lines: u8,
}

/// Everything drawn before the files are written: customers, the order log sorted like a
/// real one, and the feedback. About 16 bytes an order and 80 a customer; the rows themselves
/// are drawn again, one order at a time, while writing.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) customers: Vec<CustomerSim>,
    /// Customer id number (1..=n, a random permutation) of each customer index.
    pub(crate) ids: Vec<u32>,
    /// Purchases and returns sorted by (date, customer id, purchase number, return last).
    pub(crate) events: Vec<Event>,
    /// Sorted by (date, customer id).
    pub(crate) feedback: Vec<FeedbackEntry>,
    pub(crate) cut: Option<Cut>,
}

impl Plan {
    pub(crate) fn draw(params: &GenParams, population: &Population, streams: &Streams) -> Self {
        let mut customers = Vec::new();
        let mut events = Vec::new();
        let mut feedback = Vec::new();
        let mut purchase_days = Vec::new();
        let mut cut = None;
        let mut rows = 0u64;
        let limit = params.customers.min(u64::from(u32::MAX)) as u32;
        for index in 0..u32::MAX {
            if params.rows.is_none() && index >= limit {
                break;
            }
            let start = events.len();
            let sim = CustomerSim::simulate(population, streams, index, &mut events);
            let history = &mut events[start..];
            history.sort_unstable_by_key(Event::history_order);
            let mut added: u64 = history.iter().map(Event::rows).sum();
            if let Some(target) = params.rows
                && rows + added >= target
            {
                let (keep, last) = cut_history(history, target - rows);
                events.truncate(start + keep);
                cut = last;
                added = target - rows;
            }
            rows += added;
            if params.with_feedback {
                purchase_days.clear();
                purchase_days.extend(
                    events[start..]
                        .iter()
                        .filter(|e| !e.is_return())
                        .map(Event::day),
                );
                FeedbackEntry::simulate(
                    &mut streams.feedback(index),
                    index,
                    &sim,
                    &population.model,
                    &purchase_days,
                    population.window_days,
                    &mut feedback,
                );
            }
            customers.push(sim);
            if params.rows.is_some_and(|target| rows >= target) {
                break;
            }
        }
        let ids = permutation(&mut streams.ids(), customers.len());
        for event in &mut events {
            event.set_customer_id(ids[event.customer as usize]);
        }
        events.sort_unstable_by_key(|e| (e.key, e.seq, e.tag & Event::RETURN));
        feedback.sort_by_key(|f| (f.day, ids[f.customer as usize]));
        Plan {
            customers,
            ids,
            events,
            feedback,
            cut,
        }
    }

    /// Lines of purchase `event` that are written.
    pub(crate) fn lines_written(&self, event: &Event) -> usize {
        match self.cut {
            Some(cut) if cut.customer == event.customer && cut.seq == event.seq => {
                usize::from(cut.lines)
            }
            _ => usize::from(event.lines),
        }
    }
}

/// Keeps the first `rows` rows of one customer's history (in time order). Returns how many
/// events stay and, when the last kept purchase loses lines, the cut.
fn cut_history(history: &[Event], rows: u64) -> (usize, Option<Cut>) {
    let mut left = rows;
    for (i, event) in history.iter().enumerate() {
        let needed = event.rows();
        if needed >= left {
            let cut = (needed > left).then_some(Cut {
                customer: event.customer,
                seq: event.seq,
                lines: left as u8,
            });
            // A partial return cannot happen: a return is one row.
            return (i + 1, cut);
        }
        left -= needed;
    }
    (history.len(), None)
}

/// A uniformly random permutation of 1..=n (Fisher-Yates).
fn permutation(rng: &mut impl Rng, n: usize) -> Vec<u32> {
    let mut ids: Vec<u32> = (1..=n as u32).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        ids.swap(i, j);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TruthModel;

    fn plan(params: &GenParams) -> Plan {
        let (_, days) = params.window().expect("valid");
        let population = Population::new(TruthModel::default(), days).expect("valid");
        Plan::draw(params, &population, &Streams::new(params.seed))
    }

    #[test]
    fn row_target_is_met_exactly() {
        for target in [1, 2, 3, 10, 997, 5_000] {
            let params = GenParams {
                rows: Some(target),
                ..GenParams::default()
            };
            let plan = plan(&params);
            let written: usize = plan
                .events
                .iter()
                .map(|e| {
                    if e.is_return() {
                        1
                    } else {
                        plan.lines_written(e)
                    }
                })
                .sum();
            assert_eq!(written as u64, target);
        }
    }

    #[test]
    fn events_are_sorted_by_date_then_customer_id() {
        let plan = plan(&GenParams {
            customers: 2_000,
            ..GenParams::default()
        });
        assert_eq!(plan.customers.len(), 2_000);
        let mut sorted_ids = plan.ids.clone();
        sorted_ids.sort_unstable();
        assert!(sorted_ids.iter().copied().eq(1..=2_000));
        for pair in plan.events.windows(2) {
            let key = |e: &Event| (e.day(), plan.ids[e.customer as usize], e.seq);
            assert!(key(&pair[0]) <= key(&pair[1]));
        }
        assert!(plan.feedback.windows(2).all(|w| w[0].day <= w[1].day));
    }
}

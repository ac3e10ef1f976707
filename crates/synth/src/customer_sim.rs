use crate::population::{
    LINE_P, MAX_LINES, POTENTIAL_SHARE, Population, RETURN_LAG_MEAN, RETURN_SHARE,
};
use crate::streams::Streams;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// One entry of the order log before it is written: a purchase (all its lines) or the return
/// of one line of an earlier purchase. The lines themselves are drawn again from the order's own
/// stream when the event is written, so the log stays small (16 bytes an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    /// `day << 40 | customer id number`: sorting by it sorts by (date, customer id).
    pub(crate) key: u64,
    /// Customer index (simulation order, not the id).
    pub(crate) customer: u32,
    /// The purchase's number within the customer's history (0 = first purchase).
    pub(crate) seq: u16,
    /// Number of lines of the purchase.
    pub(crate) lines: u8,
    /// [`Event::RETURN`], [`Event::RETURNED`] and, for a return, the returned line's index.
    pub(crate) tag: u8,
}

impl Event {
    /// The event is a return.
    pub(crate) const RETURN: u8 = 0x80;
    /// The event is a purchase that is returned later.
    pub(crate) const RETURNED: u8 = 0x40;
    const DAY_SHIFT: u32 = 40;

    fn purchase(customer: u32, day: u32, seq: u16, lines: u8) -> Self {
        Event {
            key: u64::from(day) << Self::DAY_SHIFT,
            customer,
            seq,
            lines,
            tag: 0,
        }
    }

    /// Days since the window's first day.
    pub(crate) fn day(&self) -> u32 {
        (self.key >> Self::DAY_SHIFT) as u32
    }

    /// Puts the customer's id number into the sort key.
    pub(crate) fn set_customer_id(&mut self, id: u32) {
        self.key = (self.key >> Self::DAY_SHIFT << Self::DAY_SHIFT) | u64::from(id);
    }

    pub(crate) fn is_return(&self) -> bool {
        self.tag & Self::RETURN != 0
    }

    /// For a return, the index of the returned line.
    pub(crate) fn returned_line(&self) -> usize {
        usize::from(self.tag & 0x3F)
    }

    /// Transaction rows the event writes.
    pub(crate) fn rows(&self) -> u64 {
        if self.is_return() {
            1
        } else {
            u64::from(self.lines)
        }
    }

    /// Order within one customer's history: by day, then purchase number, purchase first.
    pub(crate) fn history_order(&self) -> (u32, u16, u8) {
        (self.day(), self.seq, self.tag & Self::RETURN)
    }
}

/// What the simulation drew for one customer: the truth behind their rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomerSim {
    /// True purchase rate per day while alive.
    pub(crate) lambda: f64,
    /// True drop-out probability after each repeat purchase.
    pub(crate) p: f64,
    /// True Gamma-Gamma spend rate; the mean order value is `model.p / nu`.
    pub(crate) nu: f64,
    /// Day of the first purchase (of the sign-up for potential customers).
    pub(crate) first_day: u32,
    /// Day of the sign-up, days since the window's first day (may be negative).
    pub(crate) signup_day: i32,
    /// Signed up, never ordered.
    pub(crate) potential: bool,
    /// Still alive at the as-of date (false for potential customers).
    pub(crate) alive: bool,
    /// Repeat purchases simulated (the BG/NBD frequency before any row limit).
    pub(crate) repeats: u32,
    pub(crate) favourite_category: u8,
    pub(crate) preferred_channel: u8,
    pub(crate) city: u8,
    /// Probability that a line carries a discount.
    pub(crate) discount_rate: f64,
}

impl CustomerSim {
    /// Simulates customer `index` and appends their purchases and returns to `events`, in time
    /// order of the purchases (returns follow their purchase).
    pub(crate) fn simulate(
        population: &Population,
        streams: &Streams,
        index: u32,
        events: &mut Vec<Event>,
    ) -> Self {
        let mut rng = streams.customer(index);
        let window = population.window_days;
        let potential = rng.random::<f64>() < POTENTIAL_SHARE;
        // Acquisition density grows linearly over the window (density proportional to t).
        let first_day = ((f64::from(window) * rng.random::<f64>().sqrt()) as u32).min(window - 1);
        let lambda = population.purchase_rate.sample(&mut rng);
        let p = population.dropout.sample(&mut rng);
        let nu = population.spend_rate.sample(&mut rng);
        let favourite_category = population.categories.sample(&mut rng) as u8;
        let preferred_channel = population.channels.sample(&mut rng) as u8;
        let city = population.cities.sample(&mut rng) as u8;
        let discount_rate = 0.03 + 0.6 * population.discount_affinity.sample(&mut rng);
        let lag = if potential {
            0
        } else {
            geometric_failures(&mut rng, 0.08, 365)
        };
        let mut sim = CustomerSim {
            lambda,
            p,
            nu,
            first_day,
            signup_day: first_day as i32 - lag as i32,
            potential,
            alive: false,
            repeats: 0,
            favourite_category,
            preferred_channel,
            city,
            discount_rate,
        };
        if potential {
            return sim;
        }
        let age = f64::from(window - first_day);
        push_purchase(&mut rng, events, index, first_day, 0, window);
        // Repeat purchases: Poisson arrivals at rate λ over (0, age); after each one the
        // customer drops out with probability p.
        let mut t = 0.0;
        let mut seq: u16 = 0;
        loop {
            let gap: f64 = Exp1.sample(&mut rng);
            t += gap / lambda;
            if t >= age || seq == u16::MAX {
                sim.alive = true;
                break;
            }
            seq += 1;
            let day = (first_day + t as u32).min(window - 1);
            push_purchase(&mut rng, events, index, day, seq, window);
            if rng.random::<f64>() < p {
                break;
            }
        }
        sim.repeats = u32::from(seq);
        sim
    }
}

/// Appends a purchase and, for some, the later return of one of its lines.
fn push_purchase(
    rng: &mut impl Rng,
    events: &mut Vec<Event>,
    index: u32,
    day: u32,
    seq: u16,
    window: u32,
) {
    let lines = 1 + geometric_failures(rng, LINE_P, u32::from(MAX_LINES) - 1) as u8;
    let mut purchase = Event::purchase(index, day, seq, lines);
    if rng.random::<f64>() < RETURN_SHARE {
        let lag: f64 = Exp1.sample(rng);
        let return_day = day + 1 + (lag * (RETURN_LAG_MEAN - 1.0)) as u32;
        let line = rng.random_range(0..lines);
        if return_day < window {
            purchase.tag = Event::RETURNED;
            events.push(purchase);
            let mut ret = Event::purchase(index, return_day, seq, lines);
            ret.tag = Event::RETURN | line;
            events.push(ret);
            return;
        }
    }
    events.push(purchase);
}

/// Failures before the first success of Bernoulli(`success`) trials, at most `cap`.
pub(crate) fn geometric_failures(rng: &mut impl Rng, success: f64, cap: u32) -> u32 {
    let mut failures = 0;
    while failures < cap && rng.random::<f64>() >= success {
        failures += 1;
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TruthModel;

    fn simulate_many(n: u32) -> (Vec<CustomerSim>, Vec<Event>) {
        let population = Population::new(TruthModel::default(), 1461).expect("valid");
        let streams = Streams::new(11);
        let mut events = Vec::new();
        let sims = (0..n)
            .map(|i| CustomerSim::simulate(&population, &streams, i, &mut events))
            .collect();
        (sims, events)
    }

    #[test]
    fn model_parameters_are_recovered_from_the_draws() {
        let model = TruthModel::default();
        let (sims, events) = simulate_many(20_000);
        let n = sims.len() as f64;
        let mean = |f: &dyn Fn(&CustomerSim) -> f64| sims.iter().map(f).sum::<f64>() / n;
        let close = |got: f64, want: f64, tol: f64, what: &str| {
            assert!((got / want - 1.0).abs() < tol, "{what}: {got} vs {want}");
        };
        close(
            mean(&|s| s.lambda),
            model.r / model.alpha,
            0.03,
            "mean lambda",
        );
        close(
            mean(&|s| s.p),
            model.a / (model.a + model.b),
            0.03,
            "mean p",
        );
        close(mean(&|s| s.nu), model.q / model.gamma, 0.03, "mean nu");
        close(
            mean(&|s| f64::from(u8::from(s.potential))),
            POTENTIAL_SHARE,
            0.15,
            "potential share",
        );
        // Purchases per buyer: the benchmark's 5.7 orders per customer over four years.
        let buyers = sims.iter().filter(|s| !s.potential).count() as f64;
        let purchases = events.iter().filter(|e| !e.is_return()).count() as f64;
        close(purchases / buyers, 5.7, 0.08, "orders per buyer");
        let returns = events.iter().filter(|e| e.is_return()).count() as f64;
        close(returns / purchases, RETURN_SHARE, 0.2, "return share");
        let lines = events
            .iter()
            .filter(|e| !e.is_return())
            .map(|e| f64::from(e.lines))
            .sum::<f64>();
        close(lines / purchases, 1.0 / LINE_P, 0.03, "lines per order");
    }

    #[test]
    fn histories_stay_inside_the_window_and_in_time_order() {
        let (sims, events) = simulate_many(2_000);
        for sim in &sims {
            assert!(sim.signup_day <= sim.first_day as i32);
            assert!(!(sim.potential && sim.alive));
        }
        for pair in events.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(a.day() < 1461);
            if a.customer == b.customer && !a.is_return() && !b.is_return() {
                assert!(a.day() <= b.day() && a.seq + 1 == b.seq);
            }
            if b.is_return() {
                assert!(a.customer == b.customer && a.seq == b.seq && a.day() < b.day());
                assert!(b.returned_line() < usize::from(b.lines));
            }
        }
    }
}

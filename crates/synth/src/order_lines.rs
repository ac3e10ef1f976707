use crate::customer_sim::{CustomerSim, geometric_failures};
use crate::labels::{REGION_COUNT, city_region};
use crate::population::{
    CATEGORY_LOYALTY, CHANNEL_LOYALTY, HOME_REGION_SHARE, MAX_ORDER_CENTS, Population,
};
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// Products per category; popularity within a category falls off steeply.
const PRODUCTS_PER_CATEGORY: f64 = 800.0;

/// One order line, amounts in cents: `amount = quantity * unit_price - discount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) amount: i64,
    pub(crate) quantity: i32,
    pub(crate) unit_price: i64,
    pub(crate) discount: i64,
    /// `category * 10_000 + item`, written as `P` and six digits.
    pub(crate) product: u32,
    pub(crate) category: u8,
}

/// The contents of one order, drawn from the order's own stream so that the return of a line
/// can draw the same order again.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderLines {
    pub(crate) channel: u8,
    pub(crate) region: u8,
    /// The order value (Gamma-Gamma) in cents; the lines' amounts sum to it exactly.
    pub(crate) value: i64,
    pub(crate) lines: Vec<Line>,
}

impl OrderLines {
    /// Draws the order's channel, region, value and `n_lines` lines, reusing the buffer.
    pub(crate) fn draw(
        &mut self,
        rng: &mut impl Rng,
        sim: &CustomerSim,
        population: &Population,
        n_lines: u8,
    ) {
        let n = i64::from(n_lines.max(1));
        self.channel = if rng.random::<f64>() < CHANNEL_LOYALTY {
            sim.preferred_channel
        } else {
            population.channels.sample(rng) as u8
        };
        self.region = if rng.random::<f64>() < HOME_REGION_SHARE {
            city_region(sim.city)
        } else {
            rng.random_range(0..REGION_COUNT)
        };
        let value = population.order_value.sample(rng) / sim.nu;
        self.value = ((value * 100.0).round() as i64).clamp(n, MAX_ORDER_CENTS);
        // Split the value over the lines with Dirichlet(1, .., 1) weights, at least one cent
        // each, exact to the cent: the rounding remainder goes to the first line.
        self.lines.clear();
        let mut weights = [0.0f64; 64];
        let weights = &mut weights[..n as usize];
        for w in weights.iter_mut() {
            *w = Exp1.sample(rng);
        }
        let total_weight: f64 = weights.iter().sum();
        let spare = self.value - n;
        let mut assigned = 0;
        for &w in weights.iter() {
            let amount = 1 + ((spare as f64) * (w / total_weight)).floor() as i64;
            assigned += amount;
            self.lines.push(Line {
                amount,
                quantity: 1,
                unit_price: amount,
                discount: 0,
                product: 0,
                category: 0,
            });
        }
        if let Some(first) = self.lines.first_mut() {
            first.amount += self.value - assigned;
        }
        for i in 0..self.lines.len() {
            let category = if rng.random::<f64>() < CATEGORY_LOYALTY {
                sim.favourite_category
            } else {
                population.categories.sample(rng) as u8
            };
            let product = self.distinct_product(rng, category, i);
            let amount = self.lines[i].amount;
            let (quantity, unit_price, discount) = price_line(rng, amount, sim.discount_rate);
            self.lines[i] = Line {
                amount,
                quantity,
                unit_price,
                discount,
                product,
                category,
            };
        }
    }

    /// A product of `category` not yet used by lines `..i`, so that no two lines of an order
    /// are identical rows.
    fn distinct_product(&self, rng: &mut impl Rng, category: u8, i: usize) -> u32 {
        let base = u32::from(category) * 10_000;
        let u: f64 = rng.random();
        let mut item = (PRODUCTS_PER_CATEGORY * u * u * u) as u32;
        while self.lines[..i]
            .iter()
            .any(|line| line.product == base + item)
        {
            item = (item + 1) % PRODUCTS_PER_CATEGORY as u32;
        }
        base + item
    }
}

/// Quantity, unit price and discount (cents) of a line paying `amount` cents, such that
/// `quantity * unit_price - discount == amount` exactly.
fn price_line(rng: &mut impl Rng, amount: i64, discount_rate: f64) -> (i32, i64, i64) {
    let mut quantity = 1 + i64::from(geometric_failures(rng, 0.7, 11));
    if rng.random::<f64>() < discount_rate {
        let share = rng.random_range(0.05..0.30);
        let mut discount = ((amount as f64) * share / (1.0 - share)).round().max(1.0) as i64;
        discount += (quantity - (amount + discount) % quantity) % quantity;
        (quantity as i32, (amount + discount) / quantity, discount)
    } else {
        if amount % quantity != 0 {
            quantity = 1;
        }
        (quantity as i32, amount / quantity, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TruthModel;
    use crate::streams::Streams;

    #[test]
    fn lines_sum_to_the_order_value_and_price_consistently() {
        let population = Population::new(TruthModel::default(), 1096).expect("valid");
        let streams = Streams::new(5);
        let mut events = Vec::new();
        let mut order = OrderLines::default();
        let mut discounted = 0;
        let mut lines = 0;
        for index in 0..3_000 {
            let sim = CustomerSim::simulate(&population, &streams, index, &mut events);
            for n_lines in [1u8, 2, 5, 32] {
                order.draw(
                    &mut streams.order(index, u16::from(n_lines)),
                    &sim,
                    &population,
                    n_lines,
                );
                assert_eq!(order.lines.len(), usize::from(n_lines));
                assert_eq!(
                    order.lines.iter().map(|l| l.amount).sum::<i64>(),
                    order.value
                );
                for (i, line) in order.lines.iter().enumerate() {
                    assert!(line.amount >= 1 && line.quantity >= 1 && line.discount >= 0);
                    assert_eq!(
                        i64::from(line.quantity) * line.unit_price - line.discount,
                        line.amount
                    );
                    assert_eq!(line.product / 10_000, u32::from(line.category));
                    assert!(
                        order.lines[..i]
                            .iter()
                            .all(|other| other.product != line.product)
                    );
                    discounted += usize::from(line.discount > 0);
                    lines += 1;
                }
            }
        }
        let share = discounted as f64 / lines as f64;
        assert!((0.1..0.35).contains(&share), "discounted share {share}");
    }

    #[test]
    fn the_same_stream_draws_the_same_order() {
        let population = Population::new(TruthModel::default(), 1096).expect("valid");
        let streams = Streams::new(5);
        let sim = CustomerSim::simulate(&population, &streams, 9, &mut Vec::new());
        let (mut a, mut b) = (OrderLines::default(), OrderLines::default());
        a.draw(&mut streams.order(9, 3), &sim, &population, 4);
        b.draw(&mut streams.order(9, 3), &sim, &population, 4);
        assert_eq!(
            (a.value, a.channel, a.region, &a.lines),
            (b.value, b.channel, b.region, &b.lines)
        );
    }
}

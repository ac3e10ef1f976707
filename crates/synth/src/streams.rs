use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for; part of the key so that streams never overlap and adding
/// draws to one purpose (say feedback) leaves every other stream, and so every other file, as it
/// was.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
enum Purpose {
    Customer = 1,
    Order = 2,
    Profile = 3,
    Feedback = 4,
    Dirt = 5,
    Ids = 6,
}

/// Independent, reproducible random streams derived from the run's seed.
///
/// Each stream is a ChaCha8 generator keyed by (seed, purpose, customer index[, order number]),
/// so what a customer gets does not depend on the order customers are simulated in or on the
/// number of threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Streams {
    seed: u64,
}

impl Streams {
    pub(crate) fn new(seed: u64) -> Self {
        Streams { seed }
    }

    /// Acquisition, BG/NBD and Gamma-Gamma draws, preferences of one customer.
    pub(crate) fn customer(&self, index: u32) -> ChaCha8Rng {
        self.stream(Purpose::Customer, u64::from(index), 0)
    }

    /// Value, channel, region and lines of one order (drawn again for its return).
    pub(crate) fn order(&self, index: u32, seq: u16) -> ChaCha8Rng {
        self.stream(Purpose::Order, u64::from(index), u64::from(seq))
    }

    /// Name, phone, birth date, owner of one customer.
    pub(crate) fn profile(&self, index: u32) -> ChaCha8Rng {
        self.stream(Purpose::Profile, u64::from(index), 0)
    }

    /// Feedback entries of one customer.
    pub(crate) fn feedback(&self, index: u32) -> ChaCha8Rng {
        self.stream(Purpose::Feedback, u64::from(index), 0)
    }

    /// Where dirt goes in `transactions.csv`.
    pub(crate) fn dirt(&self) -> ChaCha8Rng {
        self.stream(Purpose::Dirt, 0, 0)
    }

    /// The permutation that turns customer indices into customer ids.
    pub(crate) fn ids(&self) -> ChaCha8Rng {
        self.stream(Purpose::Ids, 0, 0)
    }

    fn stream(&self, purpose: Purpose, a: u64, b: u64) -> ChaCha8Rng {
        let key = mix(mix(mix(self.seed ^ mix(purpose as u64)) ^ a) ^ b.rotate_left(32));
        ChaCha8Rng::seed_from_u64(key)
    }
}

/// SplitMix64's finaliser: a bijection on u64 that spreads nearby inputs far apart.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let streams = Streams::new(7);
        let first: u64 = streams.customer(3).random();
        assert_eq!(first, streams.customer(3).random::<u64>());
        let others = [
            streams.customer(4).random::<u64>(),
            streams.order(3, 0).random::<u64>(),
            streams.order(3, 1).random::<u64>(),
            streams.profile(3).random::<u64>(),
            Streams::new(8).customer(3).random::<u64>(),
        ];
        assert!(others.iter().all(|&x| x != first));
    }
}

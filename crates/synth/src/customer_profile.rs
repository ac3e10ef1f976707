use crate::customer_sim::CustomerSim;
use crate::labels::{Labels, city_region};
use crate::names::{person_name, phone};
use crate::text_format::{TextFormat, push_padded};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Sales reps customers are assigned to (`S001` ..).
const OWNERS: u32 = 40;

/// The attributes of a customer that the purchase model does not use: name, phone, gender,
/// birth date, owner. Drawn from the customer's own profile stream when `customers.csv` is
/// written, so they take no memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerProfile {
    pub(crate) name: String,
    pub(crate) phone: String,
    /// 0 = female, 1 = male.
    pub(crate) gender: u8,
    /// Days since the window's first day (negative: before it).
    pub(crate) birth_day: i64,
    pub(crate) owner: u32,
}

impl CustomerProfile {
    pub(crate) fn draw(rng: &mut impl Rng, labels: &Labels, window_days: u32) -> Self {
        let gender = u8::from(rng.random::<f64>() < 0.47);
        let name = person_name(rng, labels.lang, gender);
        let phone = phone(rng, labels.lang);
        let noise: f64 = StandardNormal.sample(rng);
        let age_years = (38.0 + 12.0 * noise).clamp(18.0, 80.0);
        let birth_day =
            i64::from(window_days) - (age_years * 365.25) as i64 - rng.random_range(0..365);
        let u: f64 = rng.random();
        let owner = 1 + (f64::from(OWNERS) * u * u) as u32;
        CustomerProfile {
            name,
            phone,
            gender,
            birth_day,
            owner,
        }
    }

    /// Writes the `customers.csv` line of a customer.
    pub(crate) fn write_csv(
        &self,
        out: &mut Vec<u8>,
        id: u32,
        sim: &CustomerSim,
        format: &TextFormat,
        labels: &Labels,
    ) {
        format.push_customer_id(out, id);
        out.push(b',');
        out.extend_from_slice(
            format
                .date(i64::from(sim.signup_day))
                .to_string()
                .as_bytes(),
        );
        out.push(b',');
        out.extend_from_slice(self.name.as_bytes());
        out.push(b',');
        out.extend_from_slice(self.phone.as_bytes());
        out.push(b',');
        out.extend_from_slice(labels.genders[usize::from(self.gender.min(1))].as_bytes());
        out.push(b',');
        out.extend_from_slice(format.date(self.birth_day).to_string().as_bytes());
        out.push(b',');
        out.extend_from_slice(
            labels
                .cities
                .get(usize::from(sim.city))
                .copied()
                .unwrap_or_default()
                .as_bytes(),
        );
        out.push(b',');
        let region = labels
            .regions
            .get(usize::from(city_region(sim.city)))
            .copied()
            .unwrap_or_default();
        out.extend_from_slice(region.as_bytes());
        out.push(b',');
        out.push(b'S');
        push_padded(out, u64::from(self.owner.min(OWNERS)), 3);
        out.push(b'\n');
    }
}

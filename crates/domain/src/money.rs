use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

/// An exact amount of money in integer units of 1/10,000 of the currency unit.
///
/// Four decimals hold every price list seen in practice (unit prices such as `0.001` times
/// integer quantities) exactly; the sum of a column is exact, so the revenue printed for a
/// dataset equals the sum of its valid rows to the cent. Inputs with more than four decimals
/// are rounded half-to-even, and the parser says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i128);

/// Why a decimal string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    /// Not of the form `-?digits[.digits]`.
    #[error("not a plain decimal number")]
    NotDecimal,
    /// Too many digits to hold.
    #[error("number too large")]
    Overflow,
}

impl Money {
    /// Decimal places kept.
    pub const SCALE: u32 = 4;
    /// 10^SCALE.
    pub const UNITS_PER_ONE: i128 = 10_000;
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// From integer units of 1/10,000.
    pub const fn from_units(units: i128) -> Self {
        Money(units)
    }

    /// The integer units of 1/10,000.
    pub const fn units(self) -> i128 {
        self.0
    }

    /// From whole currency units.
    pub const fn from_whole(whole: i64) -> Self {
        Money(whole as i128 * Self::UNITS_PER_ONE)
    }

    /// From a value with `scale` decimals (as in a decimal column), rounding half-to-even when
    /// `scale` exceeds [`Money::SCALE`]. Returns the amount and whether rounding happened.
    pub fn from_scaled(value: i128, scale: i8) -> Option<(Money, bool)> {
        let scale = i32::from(scale);
        let target = Self::SCALE as i32;
        if scale <= target {
            let factor = 10i128.checked_pow((target - scale) as u32)?;
            value.checked_mul(factor).map(|v| (Money(v), false))
        } else {
            let divisor = 10i128.checked_pow((scale - target) as u32)?;
            let (q, r) = (value / divisor, value % divisor);
            let rounded = round_half_even(q, r, divisor);
            Some((Money(rounded), r != 0))
        }
    }

    /// Parses a normalised decimal string: an optional `-` or `+`, ASCII digits, optionally a
    /// `.` and more digits (at least one digit in all). Returns the amount and whether it had to
    /// be rounded to four decimals.
    pub fn parse_decimal(s: &str) -> Result<(Money, bool), MoneyParseError> {
        let bytes = s.as_bytes();
        let (negative, digits) = match bytes.first() {
            Some(b'-') => (true, &bytes[1..]),
            Some(b'+') => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let mut value: i128 = 0;
        let mut fraction_digits: u32 = 0;
        let mut seen_dot = false;
        let mut seen_digit = false;
        let mut dropped: Vec<u8> = Vec::new();
        for &b in digits {
            match b {
                b'0'..=b'9' => {
                    seen_digit = true;
                    if seen_dot && fraction_digits >= Self::SCALE {
                        dropped.push(b - b'0');
                        continue;
                    }
                    value = value
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(i128::from(b - b'0')))
                        .ok_or(MoneyParseError::Overflow)?;
                    if seen_dot {
                        fraction_digits += 1;
                    }
                }
                b'.' if !seen_dot => seen_dot = true,
                _ => return Err(MoneyParseError::NotDecimal),
            }
        }
        if !seen_digit {
            return Err(MoneyParseError::NotDecimal);
        }
        value = value
            .checked_mul(10i128.pow(Self::SCALE - fraction_digits))
            .ok_or(MoneyParseError::Overflow)?;
        let mut rounded = false;
        if !dropped.is_empty() {
            rounded = dropped.iter().any(|&d| d != 0);
            let first = dropped[0];
            let rest_nonzero = dropped[1..].iter().any(|&d| d != 0);
            let round_up = first > 5 || (first == 5 && (rest_nonzero || value % 2 == 1));
            if round_up {
                value += 1;
            }
        }
        Ok((Money(if negative { -value } else { value }), rounded))
    }

    /// Multiplies by a quantity given in units of 1/10,000 (so `2.5` is `25_000`), rounding
    /// half-to-even to four decimals. Returns the amount and whether rounding happened.
    pub fn times_quantity(self, quantity_units: i128) -> Option<(Money, bool)> {
        let product = self.0.checked_mul(quantity_units)?;
        let (q, r) = (product / Self::UNITS_PER_ONE, product % Self::UNITS_PER_ONE);
        Some((Money(round_half_even(q, r, Self::UNITS_PER_ONE)), r != 0))
    }

    /// True for amounts below zero (returns and refunds).
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The absolute value.
    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// A lossy float view for models and statistics.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::UNITS_PER_ONE as f64
    }

    /// Checked addition.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

fn round_half_even(q: i128, r: i128, divisor: i128) -> i128 {
    let twice = r.abs() * 2;
    let away = if r < 0 { -1 } else { 1 };
    if twice > divisor || (twice == divisor && q % 2 != 0) {
        q + away
    } else {
        q
    }
}

impl fmt::Display for Money {
    /// Exact decimal text with at least two decimals and no trailing zeros beyond them:
    /// `1234.5` → `1234.50`, `0.001` → `0.001`, `-3` → `-3.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / Self::UNITS_PER_ONE as u128;
        let frac = abs % Self::UNITS_PER_ONE as u128;
        let mut frac_text = format!("{frac:04}");
        while frac_text.len() > 2 && frac_text.ends_with('0') {
            frac_text.pop();
        }
        write!(f, "{sign}{whole}.{frac_text}")
    }
}

impl Serialize for Money {
    /// Serialised as an exact decimal string, never a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Read back from the exact decimal string it is written as (run.json); a text with more
    /// than four decimals is an error, not a rounding.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let text = String::deserialize(deserializer)?;
        match Money::parse_decimal(&text) {
            Ok((money, false)) => Ok(money),
            _ => Err(serde::de::Error::custom(format!(
                "`{text}` is not an exact amount of money"
            ))),
        }
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Money {
        Money::parse_decimal(s).expect("valid").0
    }

    #[test]
    fn money_reads_back_what_it_writes() {
        for text in ["1234.50", "-0.001", "0.00", "98765432109876.5432"] {
            let json = serde_json::to_string(&parse(text)).expect("json");
            let back: Money = serde_json::from_str(&json).expect("back");
            assert_eq!(back, parse(text));
        }
        assert!(serde_json::from_str::<Money>("\"1.23456\"").is_err());
        assert!(serde_json::from_str::<Money>("\"abc\"").is_err());
    }

    #[test]
    fn displays_exactly_with_two_decimals_at_least() {
        assert_eq!(parse("1234.5").to_string(), "1234.50");
        assert_eq!(parse("0.001").to_string(), "0.001");
        assert_eq!(parse("-3").to_string(), "-3.00");
        assert_eq!(parse("-0.5").to_string(), "-0.50");
        assert_eq!(parse(".5").to_string(), "0.50");
    }

    #[test]
    fn rounds_half_to_even_beyond_four_decimals() {
        assert_eq!(Money::parse_decimal("0.00005"), Ok((Money(0), true)));
        assert_eq!(Money::parse_decimal("0.00015"), Ok((Money(2), true)));
        assert_eq!(Money::parse_decimal("0.000151"), Ok((Money(2), true)));
        assert_eq!(Money::parse_decimal("-0.00015"), Ok((Money(-2), true)));
        assert_eq!(
            Money::parse_decimal("1.23450000"),
            Ok((Money(12345), false))
        );
    }

    #[test]
    fn rejects_what_is_not_a_plain_decimal() {
        for bad in ["", "-", ".", "1.2.3", "1e5", "1,234", "abc", "1 2"] {
            assert!(Money::parse_decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimal_columns_rescale() {
        assert_eq!(Money::from_scaled(1234, 2), Some((Money(123_400), false)));
        assert_eq!(Money::from_scaled(123_455, 5), Some((Money(12_346), true)));
        assert_eq!(Money::from_scaled(123_445, 5), Some((Money(12_344), true)));
    }

    #[test]
    fn quantity_times_price_is_exact() {
        let price = parse("2.55");
        assert_eq!(
            price.times_quantity(6 * Money::UNITS_PER_ONE),
            Some((parse("15.30"), false))
        );
        assert_eq!(
            parse("0.001").times_quantity(-12 * 10_000),
            Some((parse("-0.012"), false))
        );
    }

    proptest! {
        #[test]
        fn display_round_trips(units in -10i128.pow(20)..10i128.pow(20)) {
            let m = Money(units);
            prop_assert_eq!(Money::parse_decimal(&m.to_string()), Ok((m, false)));
        }
    }
}

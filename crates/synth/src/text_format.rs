use chrono::{Datelike, NaiveDate, TimeDelta};

/// Fast, allocation-free text for the values every file repeats: customer ids, dates of the
/// window and amounts in cents. Hand-written rather than `format!` because the transaction file
/// has ten million rows at the 1M-customer scale and formatting dominates the run time.
#[derive(Debug, Clone)]
pub(crate) struct TextFormat {
    /// Digits after the `C` of a customer id: 7, more only beyond ten million customers.
    id_width: usize,
    start: NaiveDate,
    /// Days from 1970-01-01 to `start`.
    start_epoch: i64,
    /// `YYYY-MM-DD` of each day of the window.
    dates: Vec<[u8; 10]>,
    /// (year, month, day) of each day of the window.
    parts: Vec<(i32, u32, u32)>,
}

impl TextFormat {
    pub(crate) fn new(start: NaiveDate, window_days: u32, customers: u64) -> Self {
        let id_width = customers.to_string().len().max(7);
        let (dates, parts) = (0..window_days)
            .map(|day| {
                let date = start + TimeDelta::days(i64::from(day));
                let mut text = [b'0'; 10];
                let iso = date.format("%Y-%m-%d").to_string();
                if iso.len() == 10 {
                    text.copy_from_slice(iso.as_bytes());
                }
                (text, (date.year(), date.month(), date.day()))
            })
            .unzip();
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
        let start_epoch = (start - epoch).num_days();
        TextFormat {
            id_width,
            start,
            start_epoch,
            dates,
            parts,
        }
    }

    /// `C` and the zero-padded id number.
    pub(crate) fn push_customer_id(&self, out: &mut Vec<u8>, id: u32) {
        out.push(b'C');
        push_padded(out, u64::from(id), self.id_width);
    }

    /// `YYYY-MM-DD` of a day of the window.
    pub(crate) fn push_date(&self, out: &mut Vec<u8>, day: u32) {
        match self.dates.get(day as usize) {
            Some(text) => out.extend_from_slice(text),
            None => out.extend_from_slice(self.date(i64::from(day)).to_string().as_bytes()),
        }
    }

    /// Year, month and day of a day of the window.
    pub(crate) fn date_parts(&self, day: u32) -> (i32, u32, u32) {
        self.parts.get(day as usize).copied().unwrap_or_else(|| {
            let date = self.date(i64::from(day));
            (date.year(), date.month(), date.day())
        })
    }

    /// The date `day` days after the window's first day (negative: before it).
    pub(crate) fn date(&self, day: i64) -> NaiveDate {
        self.start
            .checked_add_signed(TimeDelta::days(day))
            .unwrap_or(self.start)
    }

    /// Days since 1970-01-01 (Arrow's date32) of a day of the window.
    pub(crate) fn epoch_day(&self, day: i64) -> i32 {
        (self.start_epoch + day) as i32
    }
}

/// Decimal digits of `value`.
pub(crate) fn push_u64(out: &mut Vec<u8>, value: u64) {
    push_padded(out, value, 1);
}

/// Decimal digits of `value`, left-padded with zeros to `width`.
pub(crate) fn push_padded(out: &mut Vec<u8>, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    while value > 0 || digits.len() - i < width.max(1) {
        i -= 1;
        digits[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if i == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// An amount in cents as a plain decimal with two places: `-12.30`.
pub(crate) fn push_cents(out: &mut Vec<u8>, cents: i64) {
    if cents < 0 {
        out.push(b'-');
    }
    let abs = cents.unsigned_abs();
    push_u64(out, abs / 100);
    out.push(b'.');
    push_padded(out, abs % 100, 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn formats_like_display() {
        assert_eq!(text(|o| push_cents(o, 0)), "0.00");
        assert_eq!(text(|o| push_cents(o, -5)), "-0.05");
        assert_eq!(text(|o| push_cents(o, 123_456)), "1234.56");
        assert_eq!(text(|o| push_u64(o, u64::MAX)), u64::MAX.to_string());
        assert_eq!(text(|o| push_padded(o, 42, 7)), "0000042");
        let start = NaiveDate::from_ymd_opt(2024, 2, 28).expect("date");
        let format = TextFormat::new(start, 3, 123_456_789);
        assert_eq!(text(|o| format.push_customer_id(o, 42)), "C000000042");
        assert_eq!(text(|o| format.push_date(o, 1)), "2024-02-29");
        assert_eq!(text(|o| format.push_date(o, 400)), "2025-04-03");
        assert_eq!(format.date_parts(2), (2024, 3, 1));
        assert_eq!(format.epoch_day(0), 19_781);
    }
}

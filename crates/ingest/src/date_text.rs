//! Turning the ways people write dates and times into a wall-clock timestamp (E1–E8).
//!
//! Built-in forms: ISO (`2024-01-05`, `2024-01-05 13:00[:00[.fff]]`, `2024-01-05T05:00Z`,
//! offsets), `2024/1/5`, `2024.01.05`, `2024年1月5日[ 13:00]`, `20240105`, day/month forms
//! (`13/01/2024`, `01/13/2024`; `05/01/2024` is ambiguous unless the order is pinned or
//! proven by other rows of the column), and Excel serial numbers (1900 system).

use chrono::{Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use kehu_domain::Reason;

/// Which number comes first in `dd/mm/yyyy`-like dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// `13/01/2024`.
    DayFirst,
    /// `01/13/2024`.
    MonthFirst,
}

/// How dates are read in a column.
#[derive(Debug, Clone, Default)]
pub struct DateStyle {
    /// A user-pinned chrono format, tried first.
    pub pinned: Option<String>,
    /// Day/month order implied by the pinned format.
    pub order: Option<DateOrder>,
    /// The business time zone (offset-bearing times are converted to it); `None` = UTC.
    pub timezone: Option<FixedOffset>,
}

impl DateStyle {
    /// A style from a pinned format, deriving the day/month order from it.
    pub fn new(pinned: Option<String>, timezone: Option<FixedOffset>) -> Self {
        let order =
            pinned
                .as_deref()
                .and_then(|f| match (f.find("%d").or(f.find("%e")), f.find("%m")) {
                    (Some(d), Some(m)) if d < m => Some(DateOrder::DayFirst),
                    (Some(_), Some(_)) => Some(DateOrder::MonthFirst),
                    _ => None,
                });
        DateStyle {
            pinned,
            order,
            timezone,
        }
    }
}

/// A parsed date value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedDate {
    /// One reading.
    Exact {
        /// Wall-clock time in the business time zone.
        at: NaiveDateTime,
        /// A normalisation applied (Excel serial, time zone converted).
        note: Option<Reason>,
        /// Evidence of the column's day/month order from an unambiguous `dd/mm` form.
        evidence: Option<DateOrder>,
    },
    /// `05/01/2024`: both readings are valid dates.
    Ambiguous {
        /// Read day first.
        day_first: NaiveDateTime,
        /// Read month first.
        month_first: NaiveDateTime,
    },
}

/// Parses a written date; `Ok(None)` for an empty or null-token cell.
pub fn parse_date(text: &str, style: &DateStyle) -> Result<Option<ParsedDate>, Reason> {
    let s = text.trim_matches(|c: char| c.is_whitespace());
    if crate::number_text::is_null_token(s) {
        return Ok(None);
    }
    if let Some(fmt) = &style.pinned {
        if let Ok(at) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(Some(exact(at, None)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Ok(Some(exact(midnight(d), None)));
        }
    }
    if let Some(at) = iso_fast(s.as_bytes()) {
        return Ok(Some(exact(at, None)));
    }
    let folded: String;
    let s = if s.is_ascii() {
        s
    } else {
        folded = s.chars().map(crate::fields::fold_full_width).collect();
        folded.as_str()
    };
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().filter(|&b| b == b'.').count() <= 1
    {
        return numeric_date(s);
    }
    let tokens = Tokens::of(s)?;
    tokens.resolve(style)
}

/// `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS` (the forms of most exports) without allocation.
pub(crate) fn iso_fast(b: &[u8]) -> Option<NaiveDateTime> {
    fn digits(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    }
    if !(b.len() == 10 || b.len() == 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        digits(&b[..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    if b.len() == 10 {
        return Some(midnight(date));
    }
    if !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let time = NaiveTime::from_hms_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    )?;
    Some(date.and_time(time))
}

fn exact(at: NaiveDateTime, note: Option<Reason>) -> ParsedDate {
    ParsedDate::Exact {
        at,
        note,
        evidence: None,
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

/// `20240105` or an Excel serial such as `45296` / `45296.5`.
fn numeric_date(s: &str) -> Result<Option<ParsedDate>, Reason> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let (y, m, d) = (num(&s[..4])?, num(&s[4..6])?, num(&s[6..])?);
        return ymd(y, m, d).map(|d| Some(exact(midnight(d), None)));
    }
    excel_serial(s).map(|at| Some(exact(at, Some(Reason::ExcelSerialDate))))
}

/// Excel's 1900 date system: serial 1 = 1900-01-01, serial 60 is the non-existent 1900-02-29,
/// serials above 2,958,465 (9999-12-31) are ill-formed.
pub fn excel_serial(s: &str) -> Result<NaiveDateTime, Reason> {
    let value: f64 = s.parse().map_err(|_| Reason::InvalidDate)?;
    excel_serial_value(value, false)
}

/// An Excel serial in the 1900 or 1904 system as a wall-clock time.
pub fn excel_serial_value(value: f64, system_1904: bool) -> Result<NaiveDateTime, Reason> {
    if !(1.0..2_958_466.0).contains(&value) || (!system_1904 && (60.0..61.0).contains(&value)) {
        return Err(Reason::InvalidDate);
    }
    let days = value.floor() as i64;
    let seconds = ((value - value.floor()) * 86_400.0).round() as i64;
    let base = if system_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)
    } else if days < 60 {
        NaiveDate::from_ymd_opt(1899, 12, 31)
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)
    };
    let base = base.ok_or(Reason::InvalidDate)?;
    Ok(midnight(base) + Duration::days(days) + Duration::seconds(seconds))
}

fn num(s: &str) -> Result<u32, Reason> {
    s.parse().map_err(|_| Reason::InvalidDate)
}

fn ymd(y: u32, m: u32, d: u32) -> Result<NaiveDate, Reason> {
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(Reason::InvalidDate)
}

/// The numeric groups of a date-time text and how they were separated.
struct Tokens<'a> {
    date: Vec<&'a str>,
    date_seps: Vec<char>,
    time: Vec<&'a str>,
    fraction: Option<&'a str>,
    pm: Option<bool>,
    offset: Option<i32>,
}

impl<'a> Tokens<'a> {
    fn of(s: &'a str) -> Result<Tokens<'a>, Reason> {
        let (date_part, rest) = split_date_time(s);
        let mut date = Vec::new();
        let mut date_seps = Vec::new();
        let mut start = None;
        for (i, c) in date_part.char_indices() {
            if c.is_ascii_digit() {
                start.get_or_insert(i);
                continue;
            }
            if let Some(st) = start.take() {
                date.push(&date_part[st..i]);
            }
            match c {
                '-' | '/' | '.' | '年' | '月' => date_seps.push(c),
                '日' | '号' => {}
                _ => return Err(Reason::InvalidDate),
            }
        }
        if let Some(st) = start {
            date.push(&date_part[st..]);
        }
        let mut tokens = Tokens {
            date,
            date_seps,
            time: Vec::new(),
            fraction: None,
            pm: None,
            offset: None,
        };
        tokens.parse_time(rest)?;
        Ok(tokens)
    }

    fn parse_time(&mut self, rest: &'a str) -> Result<(), Reason> {
        let mut rest = rest.trim();
        if rest.is_empty() {
            return Ok(());
        }
        for (marker, pm) in [("上午", false), ("下午", true), ("晚上", true)] {
            if let Some(r) = rest.strip_prefix(marker) {
                self.pm = Some(pm);
                rest = r.trim_start();
            }
        }
        let upper = rest.to_ascii_uppercase();
        if upper.ends_with("AM") || upper.ends_with("PM") {
            self.pm = Some(upper.ends_with("PM"));
            rest = rest[..rest.len() - 2].trim_end();
        }
        let utc = ["Z", "z", "UTC", "GMT"]
            .iter()
            .find_map(|zone| rest.strip_suffix(zone));
        if let Some(r) = utc {
            self.offset = Some(0);
            rest = r.trim_end();
        } else if let Some(i) = rest.rfind(['+', '-']).filter(|&i| i > 0) {
            let off = &rest[i + 1..];
            let digits: String = off.chars().filter(|c| c.is_ascii_digit()).collect();
            if digits.len() == 4 || digits.len() == 2 {
                let h: i32 = digits[..2].parse().map_err(|_| Reason::InvalidDate)?;
                let m: i32 = if digits.len() == 4 {
                    digits[2..].parse().map_err(|_| Reason::InvalidDate)?
                } else {
                    0
                };
                let sign = if rest.as_bytes()[i] == b'-' { -1 } else { 1 };
                self.offset = Some(sign * (h * 3600 + m * 60));
                // Shopify and many logs write `14:22:11 +0800`.
                rest = rest[..i].trim_end();
            }
        }
        let mut start = None;
        for (i, c) in rest.char_indices() {
            if c.is_ascii_digit() {
                start.get_or_insert(i);
                continue;
            }
            if let Some(st) = start.take() {
                if self.time.len() == 3 && self.fraction.is_none() {
                    self.fraction = Some(&rest[st..i]);
                } else {
                    self.time.push(&rest[st..i]);
                }
            }
            if !matches!(c, ':' | '.' | '时' | '分' | '秒' | '点') {
                return Err(Reason::InvalidDate);
            }
        }
        if let Some(st) = start {
            if self.time.len() == 3 {
                self.fraction = Some(&rest[st..]);
            } else {
                self.time.push(&rest[st..]);
            }
        }
        if self.time.is_empty() || self.time.len() > 3 {
            return Err(Reason::InvalidDate);
        }
        Ok(())
    }

    fn time_of_day(&self) -> Result<NaiveTime, Reason> {
        if self.time.is_empty() {
            return Ok(NaiveTime::MIN);
        }
        let mut h = num(self.time[0])?;
        let m = self.time.get(1).map_or(Ok(0), |t| num(t))?;
        let s = self.time.get(2).map_or(Ok(0), |t| num(t))?;
        match self.pm {
            Some(true) if h < 12 => h += 12,
            Some(false) if h == 12 => h = 0,
            _ => {}
        }
        let micros = match self.fraction {
            Some(f) => {
                let digits = &f[..f.len().min(6)];
                num(digits)? * 10u32.pow(6 - digits.len() as u32)
            }
            None => 0,
        };
        NaiveTime::from_hms_micro_opt(h, m, s, micros).ok_or(Reason::InvalidDate)
    }

    fn resolve(&self, style: &DateStyle) -> Result<Option<ParsedDate>, Reason> {
        if self.date.len() != 3 {
            return Err(Reason::InvalidDate);
        }
        let time = self.time_of_day()?;
        let lens: Vec<usize> = self.date.iter().map(|t| t.len()).collect();
        let [a, b, c] = [num(self.date[0])?, num(self.date[1])?, num(self.date[2])?];
        let finish = |d: NaiveDate| -> Result<NaiveDateTime, Reason> {
            self.to_zone(d.and_time(time), style)
        };
        if lens[0] == 4 {
            let at = finish(ymd(a, b, c)?)?;
            let note = self.offset.map(|_| Reason::TimezoneConverted);
            return Ok(Some(ParsedDate::Exact {
                at,
                note,
                evidence: None,
            }));
        }
        if lens[2] != 4 || self.date_seps.contains(&'年') {
            return Err(if lens.iter().all(|&l| l <= 2) {
                Reason::TwoDigitYear
            } else {
                Reason::InvalidDate
            });
        }
        if a > 31 || b > 31 {
            return Err(Reason::InvalidDate);
        }
        let day_first = ymd(c, b, a).ok();
        let month_first = ymd(c, a, b).ok();
        let chosen = match style.order {
            Some(DateOrder::DayFirst) => Some((day_first.ok_or(Reason::InvalidDate)?, None)),
            Some(DateOrder::MonthFirst) => Some((month_first.ok_or(Reason::InvalidDate)?, None)),
            None => match (day_first, month_first) {
                (Some(d), Some(m)) if d == m => Some((d, None)),
                (Some(d), None) => Some((d, Some(DateOrder::DayFirst))),
                (None, Some(m)) => Some((m, Some(DateOrder::MonthFirst))),
                (None, None) => return Err(Reason::InvalidDate),
                (Some(d), Some(m)) => {
                    return Ok(Some(ParsedDate::Ambiguous {
                        day_first: finish(d)?,
                        month_first: finish(m)?,
                    }));
                }
            },
        };
        let (d, evidence) = chosen.ok_or(Reason::InvalidDate)?;
        let note = self.offset.map(|_| Reason::TimezoneConverted);
        Ok(Some(ParsedDate::Exact {
            at: finish(d)?,
            note,
            evidence,
        }))
    }

    fn to_zone(&self, at: NaiveDateTime, style: &DateStyle) -> Result<NaiveDateTime, Reason> {
        let Some(offset) = self.offset else {
            return Ok(at);
        };
        let source = FixedOffset::east_opt(offset).ok_or(Reason::InvalidDate)?;
        let target = style
            .timezone
            .unwrap_or(FixedOffset::east_opt(0).ok_or(Reason::InvalidDate)?);
        let instant = source
            .from_local_datetime(&at)
            .single()
            .ok_or(Reason::InvalidDate)?;
        Ok(instant.with_timezone(&target).naive_local())
    }
}

/// Splits `2024-01-05 13:00`, `2024-01-05T13:00Z` and `2024年1月5日13时` into date and time.
fn split_date_time(s: &str) -> (&str, &str) {
    if let Some(i) = s.find('日') {
        return (&s[..i + '日'.len_utf8()], &s[i + '日'.len_utf8()..]);
    }
    if let Some(i) = s.find([' ', 'T']) {
        return (&s[..i], &s[i + 1..]);
    }
    (s, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        match parse_date(text, &DateStyle::default()) {
            Ok(Some(ParsedDate::Exact { at, .. })) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn err(text: &str) -> Reason {
        parse_date(text, &DateStyle::default()).expect_err(text)
    }

    #[test]
    fn common_forms() {
        assert_eq!(at("2024-01-05"), "2024-01-05 00:00:00");
        assert_eq!(at("2024/1/5"), "2024-01-05 00:00:00");
        assert_eq!(at("2024.01.05"), "2024-01-05 00:00:00");
        assert_eq!(at("2024年1月5日"), "2024-01-05 00:00:00");
        assert_eq!(at("2024年1月5日 13:05"), "2024-01-05 13:05:00");
        assert_eq!(at("2010-12-01 08:26:00"), "2010-12-01 08:26:00");
        assert_eq!(at("19970101"), "1997-01-01 00:00:00");
        assert_eq!(at("2024-01-05 1:30 PM"), "2024-01-05 13:30:00");
        assert_eq!(at("２０２４－０１－０５"), "2024-01-05 00:00:00");
    }

    #[test]
    fn offsets_convert_to_the_business_zone() {
        assert_eq!(at("2024-01-05T05:00Z"), "2024-01-05 05:00:00");
        // A space before the offset or the zone's name (Shopify, logs).
        assert_eq!(at("2024-01-05 13:00:00 +0800"), "2024-01-05 05:00:00");
        assert_eq!(at("2024-01-05 05:00:00 -05:00"), "2024-01-05 10:00:00");
        assert_eq!(at("2024-01-05 05:00:00 UTC"), "2024-01-05 05:00:00");
        assert_eq!(err("2024-01-05 05:00:00 +08:0x"), Reason::InvalidDate);
        let style = DateStyle::new(None, FixedOffset::east_opt(8 * 3600));
        match parse_date("2024-01-05T05:00:00+00:00", &style) {
            Ok(Some(ParsedDate::Exact { at, note, .. })) => {
                assert_eq!(at.to_string(), "2024-01-05 13:00:00");
                assert_eq!(note, Some(Reason::TimezoneConverted));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn excel_serials() {
        assert_eq!(at("45296"), "2024-01-05 00:00:00");
        assert_eq!(at("45296.5"), "2024-01-05 12:00:00");
        assert_eq!(at("59"), "1900-02-28 00:00:00");
        assert_eq!(at("61"), "1900-03-01 00:00:00");
        assert_eq!(err("60"), Reason::InvalidDate);
    }

    #[test]
    fn day_month_order() {
        assert!(matches!(
            parse_date("05/01/2024", &DateStyle::default()),
            Ok(Some(ParsedDate::Ambiguous { .. }))
        ));
        assert!(matches!(
            parse_date("13/01/2024", &DateStyle::default()),
            Ok(Some(ParsedDate::Exact {
                evidence: Some(DateOrder::DayFirst),
                ..
            }))
        ));
        let pinned = DateStyle::new(Some("%d/%m/%Y".into()), None);
        assert!(matches!(
            parse_date("05/01/2024", &pinned),
            Ok(Some(ParsedDate::Exact { .. }))
        ));
        assert_eq!(at("05/05/2024"), "2024-05-05 00:00:00");
    }

    #[test]
    fn bad_dates() {
        assert_eq!(err("2024-02-30"), Reason::InvalidDate);
        assert_eq!(err("2023-02-29"), Reason::InvalidDate);
        assert_eq!(err("0000-00-00"), Reason::InvalidDate);
        assert_eq!(err("24-1-5"), Reason::TwoDigitYear);
        assert_eq!(err("5-Jan-24"), Reason::InvalidDate);
        assert_eq!(parse_date("", &DateStyle::default()), Ok(None));
    }
}

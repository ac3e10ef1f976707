//! Turning the ways people write amounts and quantities into exact decimals (D1–D10).

use crate::fields::fold_full_width;
use kehu_domain::{Money, Reason};

/// What a parsed number looked like, besides its value.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NumberNotes {
    /// Normalisations applied, in the order they happened.
    pub normalised: Vec<Reason>,
    /// The currency marker found, upper case (`CNY` for ¥/￥/元/RMB).
    pub currency: Option<&'static str>,
}

/// How numbers are written in a column.
#[derive(Debug, Clone, Copy)]
pub struct NumberStyle {
    /// `1.234,56`: `.` groups thousands and `,` is the decimal mark.
    pub decimal_comma: bool,
    /// 万 and 亿 are multiplied out.
    pub magnitude_units: bool,
    /// Currency symbols are allowed (amount columns).
    pub currency: bool,
}

/// Texts that mean "no value" (D10): they become NULL, never 0.
pub fn is_null_token(text: &str) -> bool {
    matches!(
        text,
        "" | "-"
            | "--"
            | "—"
            | "–"
            | "n/a"
            | "N/A"
            | "NA"
            | "na"
            | "NULL"
            | "null"
            | "Null"
            | "None"
            | "none"
            | "nan"
            | "NaN"
            | "#N/A"
            | "无"
            | "空"
            | "／"
            | "/"
    )
}

const CNY_MARKERS: &[&str] = &["人民币", "RMB", "CNY", "¥", "元"];
const FOREIGN_MARKERS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("HK$", "HKD"),
    ("USD", "USD"),
    ("EUR", "EUR"),
    ("GBP", "GBP"),
    ("HKD", "HKD"),
    ("JPY", "JPY"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("円", "JPY"),
];

/// Parses a written number into an exact decimal (units of 1/10,000).
///
/// Returns `Ok(None)` for an empty or null-token cell, the value with its notes otherwise, or
/// the reason it is not a number.
pub fn parse_number(
    text: &str,
    style: NumberStyle,
) -> Result<Option<(Money, NumberNotes)>, Reason> {
    let mut notes = NumberNotes::default();
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if is_null_token(trimmed) {
        return Ok(None);
    }
    // Fast path for the common plain form (`-12.34`): no allocation.
    if let Ok((value, rounded)) = Money::parse_decimal(trimmed) {
        if rounded {
            notes.normalised.push(Reason::RoundedAmount);
        }
        return Ok(Some((value, notes)));
    }
    let mut s: String = String::with_capacity(trimmed.len());
    let mut folded = false;
    for c in trimmed.chars() {
        let f = match c {
            '\u{2212}' | '\u{FF0D}' => '-',
            '\u{FFE5}' => '¥',
            _ => fold_full_width(c),
        };
        if matches!(c, '\u{2212}' | '\u{FF0D}') {
            notes.normalised.push(Reason::NegativeForm);
        } else if f != c {
            folded = true;
        }
        s.push(f);
    }
    if folded {
        notes.normalised.push(Reason::FullWidthCharacters);
    }

    // Currency markers, before or after the number.
    let mut body = s.trim().to_string();
    if let Some(stripped) = strip_marker(&body, CNY_MARKERS) {
        if !style.currency {
            return Err(Reason::NonNumeric);
        }
        body = stripped;
        notes.currency = Some("CNY");
        notes.normalised.push(Reason::CurrencySymbol);
    } else if let Some((code, stripped)) = FOREIGN_MARKERS
        .iter()
        .find_map(|(m, code)| strip_marker(&body, &[m]).map(|s| (*code, s)))
    {
        // The caller decides whether this currency is the file's own.
        notes.currency = Some(code);
        body = stripped;
        notes.normalised.push(Reason::CurrencySymbol);
    }

    // Accounting negatives: (50.00) and SAP's trailing minus 50-.
    let mut negative = false;
    let mut body = body.trim().to_string();
    if body.starts_with('(') && body.ends_with(')') && body.len() > 2 {
        negative = true;
        body = body[1..body.len() - 1].trim().to_string();
        notes.normalised.push(Reason::NegativeForm);
    } else if body.len() > 1 && body.ends_with('-') && !body.starts_with('-') {
        negative = true;
        body.pop();
        notes.normalised.push(Reason::NegativeForm);
    }
    if let Some(rest) = body.strip_prefix('-') {
        negative = !negative;
        body = rest.trim_start().to_string();
    } else if let Some(rest) = body.strip_prefix('+') {
        body = rest.trim_start().to_string();
    }
    // A currency marker after the sign: -¥50, -$12.
    if let Some(stripped) = strip_marker(&body, CNY_MARKERS) {
        body = stripped;
        notes.currency.get_or_insert("CNY");
    } else if let Some((m, code)) = FOREIGN_MARKERS.iter().find(|(m, _)| body.starts_with(m)) {
        body = body[m.len()..].trim().to_string();
        notes.currency.get_or_insert(code);
    }

    // 万 / 亿.
    let mut magnitude: u32 = 0;
    for (unit, power) in [("万", 4u32), ("亿", 8u32)] {
        if let Some(rest) = body.strip_suffix(unit) {
            if !style.magnitude_units {
                return Err(Reason::UnitInNumber);
            }
            magnitude = power;
            body = rest.trim_end().to_string();
            notes.normalised.push(Reason::ChineseMagnitude);
            break;
        }
    }
    if body.contains([
        '万', '亿', '千', '百', '十', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖', '拾',
        '佰', '仟',
    ]) {
        return Err(Reason::NonNumeric);
    }

    let plain = plain_decimal(&body, style.decimal_comma, &mut notes)?;
    let (value, rounded) = scale_exponent(&plain, magnitude)?;
    if rounded {
        notes.normalised.push(Reason::RoundedAmount);
    }
    Ok(Some((if negative { -value } else { value }, notes)))
}

fn strip_marker(body: &str, markers: &[&str]) -> Option<String> {
    for m in markers {
        if let Some(rest) = body.strip_prefix(m) {
            return Some(rest.trim().to_string());
        }
        if let Some(rest) = body.strip_suffix(m) {
            return Some(rest.trim().to_string());
        }
    }
    None
}

/// Removes thousands separators and settles the decimal mark, giving `digits[.digits]` with an
/// optional exponent.
fn plain_decimal(
    body: &str,
    decimal_comma: bool,
    notes: &mut NumberNotes,
) -> Result<String, Reason> {
    if body.is_empty() {
        return Err(Reason::NonNumeric);
    }
    let (group, decimal) = if decimal_comma {
        ('.', ',')
    } else {
        (',', '.')
    };
    let mut mantissa = body;
    let mut exponent = "";
    if let Some(i) = body.find(['e', 'E']) {
        mantissa = &body[..i];
        exponent = &body[i..];
    }
    if !mantissa
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return Err(Reason::NonNumeric);
    }
    let (int_part, frac_part) = match mantissa.rfind(decimal) {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    if frac_part.is_some_and(|f| f.contains([',', '.'])) {
        return Err(if decimal_comma {
            Reason::NonNumeric
        } else {
            Reason::AmbiguousNumber
        });
    }
    let int_digits = if int_part.contains(group) {
        if !valid_grouping(int_part, group) {
            return Err(Reason::AmbiguousNumber);
        }
        notes.normalised.push(Reason::ThousandsSeparator);
        int_part.replace(group, "")
    } else if int_part.contains(decimal) {
        return Err(Reason::AmbiguousNumber);
    } else {
        int_part.to_string()
    };
    let mut out = int_digits;
    if let Some(frac) = frac_part {
        out.push('.');
        out.push_str(frac);
    }
    out.push_str(exponent);
    Ok(out)
}

/// `1,234,567` — groups of three after a first group of one to three digits.
fn valid_grouping(int_part: &str, group: char) -> bool {
    let mut parts = int_part.split(group);
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    first_ok && parts.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Applies an `e`/`E` exponent and a 万/亿 power of ten exactly, by moving the decimal point.
fn scale_exponent(plain: &str, extra_power: u32) -> Result<(Money, bool), Reason> {
    let (mantissa, exp) = match plain.find(['e', 'E']) {
        Some(i) => {
            let e: i32 = plain[i + 1..].parse().map_err(|_| Reason::NonNumeric)?;
            (&plain[..i], e)
        }
        None => (plain, 0),
    };
    let shift = exp + extra_power as i32;
    if shift == 0 {
        return Money::parse_decimal(mantissa).map_err(|_| Reason::NonNumeric);
    }
    if shift.abs() > 30 {
        return Err(Reason::NonNumeric);
    }
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int_part}{frac_part}");
    let point = int_part.len() as i32 + shift;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    Money::parse_decimal(&text).map_err(|_| Reason::NonNumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AMOUNT: NumberStyle = NumberStyle {
        decimal_comma: false,
        magnitude_units: true,
        currency: true,
    };

    fn value(text: &str) -> String {
        parse_number(text, AMOUNT)
            .expect("number")
            .expect("not null")
            .0
            .to_string()
    }

    fn reason(text: &str, style: NumberStyle) -> Reason {
        parse_number(text, style).expect_err("not a number")
    }

    #[test]
    fn plain_and_grouped_numbers() {
        assert_eq!(value("1234.56"), "1234.56");
        assert_eq!(value("1,234.56"), "1234.56");
        assert_eq!(value("1,234,567"), "1234567.00");
        assert_eq!(value(" 12 "), "12.00");
    }

    #[test]
    fn currency_markers_and_full_width() {
        assert_eq!(value("¥1,234"), "1234.00");
        assert_eq!(value("￥1234"), "1234.00");
        assert_eq!(value("RMB 1234"), "1234.00");
        assert_eq!(value("1234元"), "1234.00");
        assert_eq!(value("１２３４．５"), "1234.50");
        let (_, notes) = parse_number("$12", AMOUNT).expect("ok").expect("value");
        assert_eq!(notes.currency, Some("USD"));
    }

    #[test]
    fn negative_forms() {
        for t in ["-50", "(50.00)", "50-", "\u{2212}50", "－５０", "-¥50"] {
            assert_eq!(value(t), "-50.00", "{t}");
        }
    }

    #[test]
    fn chinese_magnitudes() {
        assert_eq!(value("1.2万"), "12000.00");
        assert_eq!(value("3亿"), "300000000.00");
        let strict = NumberStyle {
            magnitude_units: false,
            ..AMOUNT
        };
        assert_eq!(reason("1.2万", strict), Reason::UnitInNumber);
        assert_eq!(reason("壹仟贰佰", AMOUNT), Reason::NonNumeric);
    }

    #[test]
    fn nulls_are_not_zero() {
        for t in ["", "N/A", "NULL", "-", "—", "  "] {
            assert_eq!(parse_number(t, AMOUNT), Ok(None), "{t}");
        }
    }

    #[test]
    fn decimal_comma_only_when_asked() {
        assert_eq!(reason("1.234,56", AMOUNT), Reason::AmbiguousNumber);
        assert_eq!(reason("12,50", AMOUNT), Reason::AmbiguousNumber);
        let eu = NumberStyle {
            decimal_comma: true,
            ..AMOUNT
        };
        assert_eq!(
            parse_number("1.234,56", eu)
                .expect("ok")
                .expect("v")
                .0
                .to_string(),
            "1234.56"
        );
    }

    #[test]
    fn exponents_are_exact() {
        assert_eq!(value("1.5E+3"), "1500.00");
        assert_eq!(value("2.5e-2"), "0.025");
    }

    #[test]
    fn more_than_four_decimals_round_half_even() {
        let (m, notes) = parse_number("19.99995", AMOUNT).expect("ok").expect("v");
        assert_eq!(m.to_string(), "20.00");
        assert!(notes.normalised.contains(&Reason::RoundedAmount));
    }
}

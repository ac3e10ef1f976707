use kehu_domain::{Lang, Money};

/// A count with thousands separators: `541,909`.
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Money for people, exact: `9,747,747.93`; in Chinese large sums also in 万
/// (`974.77万 (9,747,747.93)`).
pub fn format_money(m: Money, lang: Lang) -> String {
    let text = m.to_string();
    let (sign, body) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |b| ("-", b));
    let (whole, frac) = body.split_once('.').unwrap_or((body, "00"));
    let grouped = format_count(whole.parse().unwrap_or(0));
    let exact = format!("{sign}{grouped}.{frac}");
    if lang == Lang::Zh && m.abs().to_f64() >= 100_000.0 {
        format!("{sign}{:.2}万（{exact}）", m.abs().to_f64() / 10_000.0)
    } else {
        exact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_money_are_grouped() {
        assert_eq!(format_count(541_909), "541,909");
        assert_eq!(format_count(12), "12");
        let m = Money::parse_decimal("9747747.934").expect("ok").0;
        assert_eq!(format_money(m, Lang::En), "9,747,747.934");
        assert_eq!(format_money(m, Lang::Zh), "974.77万（9,747,747.934）");
        assert_eq!(format_money(-m, Lang::En), "-9,747,747.934");
    }
}

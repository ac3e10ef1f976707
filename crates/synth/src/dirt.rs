use crate::DirtLevel;
use kehu_domain::Lang;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One kind of deliberate dirt in `transactions.csv`, with what kehu's importer is expected
/// to do with the line.
///
/// Dirt that must be quarantined or skipped is always an *extra* line (a copy of the row just
/// written, spoiled one way), and normalisable dirt rewrites a real row into a form that
/// normalises back to the clean value. So the clean transactions are exactly the file's lines
/// minus the quarantined and blank ones, after normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirtKind {
    /// An exact copy of the line before it.
    DuplicateRow,
    /// An empty line.
    BlankLine,
    /// A totals row (合计 / Total) at the end of the file.
    SummaryRow,
    /// The amount written with a currency symbol and thousands separators (`¥1,234.50`).
    CurrencySymbol,
    /// The amount written with full-width digits (`１２.３０`).
    FullWidthDigits,
    /// The date written `2023/1/5` or `2023年1月5日`.
    DateFormat,
    /// A copy of the line before it with the customer id left empty.
    MissingCustomerId,
    /// A copy of the line before it with a date that does not exist (`2023-02-30`).
    InvalidDate,
}

impl DirtKind {
    /// The code written in `dirt.csv`'s `kind` column.
    pub fn code(self) -> &'static str {
        match self {
            DirtKind::DuplicateRow => "duplicate_row",
            DirtKind::BlankLine => "blank_line",
            DirtKind::SummaryRow => "summary_row",
            DirtKind::CurrencySymbol => "currency_symbol",
            DirtKind::FullWidthDigits => "full_width_digits",
            DirtKind::DateFormat => "date_format",
            DirtKind::MissingCustomerId => "missing_customer_id",
            DirtKind::InvalidDate => "invalid_date",
        }
    }

    /// What the importer should do: a quarantine reason code of `kehu_domain::Reason`,
    /// `skipped_blank`, or `normalised` (accepted after a rewrite).
    pub fn expected(self) -> &'static str {
        match self {
            DirtKind::DuplicateRow => "duplicate_row",
            DirtKind::BlankLine => "skipped_blank",
            DirtKind::SummaryRow => "summary_row",
            DirtKind::CurrencySymbol | DirtKind::FullWidthDigits | DirtKind::DateFormat => {
                "normalised"
            }
            DirtKind::MissingCustomerId => "missing_value",
            DirtKind::InvalidDate => "invalid_date",
        }
    }
}

/// Relative frequencies of the per-row dirt kinds.
const ROW_DIRT: [(DirtKind, u32); 7] = [
    (DirtKind::DuplicateRow, 20),
    (DirtKind::BlankLine, 10),
    (DirtKind::CurrencySymbol, 20),
    (DirtKind::FullWidthDigits, 10),
    (DirtKind::DateFormat, 20),
    (DirtKind::MissingCustomerId, 10),
    (DirtKind::InvalidDate, 10),
];

/// A dirty line of `transactions.csv`: 1-based physical line number (the header is line 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DirtRecord {
    pub(crate) line: u64,
    pub(crate) kind: DirtKind,
}

/// Decides, row by row, which dirt goes where, and rewrites fields; owns its own random stream
/// so that dirt never changes the clean data.
#[derive(Debug)]
pub(crate) struct Dirt {
    rng: ChaCha8Rng,
    rate: f64,
    lang: Lang,
    pub(crate) records: Vec<DirtRecord>,
}

impl Dirt {
    pub(crate) fn new(rng: ChaCha8Rng, level: DirtLevel, lang: Lang) -> Self {
        Dirt {
            rng,
            rate: level.row_rate(),
            lang,
            records: Vec::new(),
        }
    }

    /// Whether the file gets a totals row at its end.
    pub(crate) fn wants_summary(&self) -> bool {
        self.rate > 0.0
    }

    /// The dirt for the next clean row, if any.
    pub(crate) fn next_row(&mut self) -> Option<DirtKind> {
        if self.rate <= 0.0 || self.rng.random::<f64>() >= self.rate {
            return None;
        }
        let total: u32 = ROW_DIRT.iter().map(|&(_, weight)| weight).sum();
        let mut pick = self.rng.random_range(0..total);
        for (kind, weight) in ROW_DIRT {
            if pick < weight {
                return Some(kind);
            }
            pick -= weight;
        }
        None
    }

    pub(crate) fn record(&mut self, line: u64, kind: DirtKind) {
        self.records.push(DirtRecord { line, kind });
    }

    /// `amount` (plain `-1234.50`) with a currency marker and thousands separators, quoted when
    /// it contains a comma.
    pub(crate) fn currency(&mut self, amount: &[u8], out: &mut Vec<u8>) {
        let (sign, digits) = match amount.split_first() {
            Some((b'-', rest)) => ("-", rest),
            _ => ("", amount),
        };
        let whole_len = digits
            .iter()
            .position(|&b| b == b'.')
            .unwrap_or(digits.len());
        let mut text = String::from(sign);
        let suffix = self.lang == Lang::Zh && self.rng.random::<f64>() < 0.3;
        if !suffix {
            text.push('¥');
        }
        for (i, &b) in digits.iter().enumerate() {
            if i > 0 && i < whole_len && (whole_len - i) % 3 == 0 {
                text.push(',');
            }
            text.push(char::from(b));
        }
        if suffix {
            text.push('元');
        }
        if text.contains(',') {
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }

    /// `date` (a day of the window) as `2023/1/5` or, in Chinese files, `2023年1月5日`.
    pub(crate) fn date_format(&mut self, (year, month, day): (i32, u32, u32), out: &mut Vec<u8>) {
        let text = if self.lang == Lang::En || self.rng.random::<bool>() {
            format!("{year}/{month}/{day}")
        } else {
            format!("{year}年{month}月{day}日")
        };
        out.extend_from_slice(text.as_bytes());
    }

    /// A day that does not exist in `year`, ISO-formatted.
    pub(crate) fn invalid_date(&mut self, year: i32, out: &mut Vec<u8>) {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let choices: &[(u32, u32)] = &[(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)];
        let (month, day) = if !leap && self.rng.random::<f64>() < 0.3 {
            (2, 29)
        } else {
            choices[self.rng.random_range(0..choices.len())]
        };
        out.extend_from_slice(format!("{year:04}-{month:02}-{day:02}").as_bytes());
    }
}

/// The text with ASCII digits made full-width (U+FF10..U+FF19).
pub(crate) fn full_width(text: &[u8], out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    for &b in text {
        if b.is_ascii_digit() {
            let c = char::from_u32(0xFF10 + u32::from(b - b'0')).unwrap_or(char::from(b));
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        } else {
            out.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn dirt(lang: Lang) -> Dirt {
        Dirt::new(ChaCha8Rng::seed_from_u64(3), DirtLevel::Heavy, lang)
    }

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn currency_gets_separators_and_quotes() {
        let mut d = dirt(Lang::En);
        assert_eq!(text(|o| d.currency(b"1234567.50", o)), "\"¥1,234,567.50\"");
        assert_eq!(text(|o| d.currency(b"-1234.05", o)), "\"-¥1,234.05\"");
        assert_eq!(text(|o| d.currency(b"999.99", o)), "¥999.99");
        let mut zh = dirt(Lang::Zh);
        let written: Vec<String> = (0..50)
            .map(|_| text(|o| zh.currency(b"12.30", o)))
            .collect();
        assert!(written.iter().all(|t| t == "¥12.30" || t == "12.30元"));
        assert!(written.iter().any(|t| t.ends_with('元')));
    }

    #[test]
    fn dates_and_digits() {
        let mut d = dirt(Lang::Zh);
        for _ in 0..20 {
            let t = text(|o| d.date_format((2023, 1, 5), o));
            assert!(t == "2023/1/5" || t == "2023年1月5日", "{t}");
            let bad = text(|o| d.invalid_date(2023, o));
            let parts: Vec<u32> = bad.split('-').map(|p| p.parse().expect("digits")).collect();
            assert!(
                chrono::NaiveDate::from_ymd_opt(parts[0] as i32, parts[1], parts[2]).is_none(),
                "{bad}"
            );
        }
        assert_eq!(text(|o| full_width(b"-12.30", o)), "-１２.３０");
    }

    #[test]
    fn rate_is_about_right() {
        let mut d = dirt(Lang::En);
        let hits = (0..100_000).filter(|_| d.next_row().is_some()).count();
        assert!((4_500..5_500).contains(&hits), "{hits}");
    }
}

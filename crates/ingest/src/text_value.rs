//! Checks and normalisations of text fields: identifiers, names, labels, phones, statuses
//! (A7, A9, A10, D11, D12, F1–F8, G8).

use crate::fields::fold_full_width;
use kehu_domain::Reason;
use std::borrow::Cow;

/// Names and ids longer than this many characters are quarantined (F8).
pub const MAX_SHORT_TEXT: usize = 200;
/// Free text longer than this many characters is quarantined.
pub const MAX_FREE_TEXT: usize = 10_000;

/// A checked text value and the notes about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextValue<'a> {
    /// The value to store.
    pub value: Cow<'a, str>,
    /// Normalisations applied.
    pub normalised: Vec<Reason>,
    /// Warnings about the value.
    pub warnings: Vec<Reason>,
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn is_forbidden_control(c: char, allow_newlines: bool) -> bool {
    (c.is_control() && c != '\t' && !(allow_newlines && (c == '\n' || c == '\r')))
        || c == '\u{FFFD}'
}

/// Garbled text left by an earlier wrong decoding: 锟斤拷 (UTF-8 replacement characters read
/// as GBK), 烫烫 / 屯屯 (uninitialised debug memory read as GBK), and UTF-8 read as Latin-1.
pub fn is_mojibake(s: &str) -> bool {
    s.contains("锟斤拷")
        || s.contains("烫烫")
        || s.contains("屯屯")
        || ["Ã©", "Ã¨", "Ã¶", "Ã¼", "Ã¤", "â€™", "â€œ"]
            .iter()
            .any(|m| s.contains(m))
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}

/// Common checks: control characters, mojibake, length. `allow_newlines` for free text.
fn common_checks(s: &str, max_chars: usize, allow_newlines: bool) -> Result<(), Reason> {
    // Plain ASCII text (most ids and labels) can only fail on control bytes or length.
    if s.is_ascii() {
        if s.bytes().any(|b| {
            (b < 0x20 && b != b'\t' && !(allow_newlines && (b == b'\n' || b == b'\r'))) || b == 0x7F
        }) {
            return Err(Reason::ControlChar);
        }
        return if s.len() > max_chars {
            Err(Reason::FieldTooLong)
        } else {
            Ok(())
        };
    }
    if s.chars().any(|c| is_forbidden_control(c, allow_newlines)) {
        return Err(if s.contains('\u{FFFD}') {
            Reason::InvalidEncoding
        } else {
            Reason::ControlChar
        });
    }
    if is_mojibake(s) {
        return Err(Reason::Mojibake);
    }
    if s.len() > max_chars && s.chars().count() > max_chars {
        return Err(Reason::FieldTooLong);
    }
    Ok(())
}

/// An identifier: trimmed, invisible characters and full-width digits made plain; Excel's
/// scientific notation refused (D11); 16–18 digit ids ending in 000 flagged (D12).
pub fn parse_id(raw: &str) -> Result<Option<TextValue<'_>>, Reason> {
    let (trimmed, marked) = without_text_marker(trim(raw));
    if trimmed.is_empty() {
        return Ok(None);
    }
    let mut normalised = Vec::new();
    if marked {
        normalised.push(Reason::TextMarker);
    } else if trimmed.len() != raw.len() {
        normalised.push(Reason::WhitespaceTrimmed);
    }
    let mut value = Cow::Borrowed(trimmed);
    if !trimmed.is_ascii() {
        if trimmed.chars().any(is_invisible) {
            normalised.push(Reason::InvisibleStripped);
        }
        let cleaned: String = trimmed
            .chars()
            .filter(|c| !is_invisible(*c))
            .map(fold_full_width)
            .collect();
        if trimmed.chars().any(|c| fold_full_width(c) != c) {
            normalised.push(Reason::FullWidthCharacters);
        }
        value = Cow::Owned(cleaned);
    }
    common_checks(&value, MAX_SHORT_TEXT, false)?;
    if looks_scientific(&value) {
        return Err(Reason::ScientificNotationInId);
    }
    if let Some(dot) = whole_float_dot(&value) {
        normalised.push(Reason::FloatId);
        value = match value {
            Cow::Borrowed(s) => Cow::Borrowed(&s[..dot]),
            Cow::Owned(s) => Cow::Owned(s[..dot].to_string()),
        };
    }
    let mut warnings = Vec::new();
    let digits = value.len();
    if (16..=18).contains(&digits)
        && value.bytes().all(|b| b.is_ascii_digit())
        && value.ends_with("000")
    {
        warnings.push(Reason::PossibleExcelTruncation);
    }
    Ok(Some(TextValue {
        value,
        normalised,
        warnings,
    }))
}

/// `text` without the apostrophe an export puts before a number to keep a spreadsheet from
/// reading it as one (`'7012345678`, `'+8613812345678`), and whether there was one.
fn without_text_marker(text: &str) -> (&str, bool) {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit() || c == '+') => (rest, true),
        _ => (text, false),
    }
}

/// Where the `.0` of `17850.0` starts: digits, a dot and only zeros are a whole number that
/// went through a float (pandas writes an id column with gaps as floats; spreadsheets store
/// numbers so), and the id is the digits.
fn whole_float_dot(s: &str) -> Option<usize> {
    let (whole, fraction) = s.split_once('.')?;
    (!whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b == b'0'))
    .then_some(whole.len())
}

/// `1.38123E+10`: what Excel writes for a long number in a narrow cell.
pub fn looks_scientific(s: &str) -> bool {
    if !s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let Some(i) = s.find(['E', 'e']) else {
        return false;
    };
    let (mantissa, exp) = (&s[..i], &s[i + 1..]);
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|&b| b == b'.').count() <= 1
        && !exp.is_empty()
        && exp.bytes().all(|b| b.is_ascii_digit())
}

/// A short label (category, channel, region …): trimmed and checked.
pub fn parse_label(raw: &str) -> Result<Option<TextValue<'_>>, Reason> {
    trimmed_text(raw, MAX_SHORT_TEXT, false)
}

/// Trims, checks and notes the trimming; `None` for empty text.
fn trimmed_text(
    raw: &str,
    max_chars: usize,
    allow_newlines: bool,
) -> Result<Option<TextValue<'_>>, Reason> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Ok(None);
    }
    common_checks(trimmed, max_chars, allow_newlines)?;
    let normalised = if trimmed.len() != raw.len() {
        vec![Reason::WhitespaceTrimmed]
    } else {
        Vec::new()
    };
    Ok(Some(TextValue {
        value: Cow::Borrowed(trimmed),
        normalised,
        warnings: Vec::new(),
    }))
}

/// A person's name: ends trimmed (F4), inner spaces and invisible characters flagged (A10),
/// kept verbatim otherwise (F5–F7: no script conversion; escaping happens on output).
pub fn parse_name(raw: &str) -> Result<Option<TextValue<'_>>, Reason> {
    let Some(mut value) = trimmed_text(raw, MAX_SHORT_TEXT, false)? else {
        return Ok(None);
    };
    if value.value.chars().any(is_invisible) {
        value.warnings.push(Reason::InvisibleCharacters);
    }
    if value.value.contains([' ', '\u{3000}']) && !value.value.is_ascii() {
        value.warnings.push(Reason::InnerWhitespace);
    }
    Ok(Some(value))
}

/// Free text (descriptions, comments): may span lines; checked, trimmed.
pub fn parse_free_text(raw: &str) -> Result<Option<TextValue<'_>>, Reason> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Ok(None);
    }
    common_checks(trimmed, MAX_FREE_TEXT, true)?;
    Ok(Some(TextValue {
        value: Cow::Borrowed(trimmed),
        normalised: Vec::new(),
        warnings: Vec::new(),
    }))
}

/// A phone number (F1–F3): Chinese mobiles to E.164 (`+8613812345678`); landlines such as
/// `(0755)12345678-801` kept as written; anything else invalid. Other countries' numbers
/// written with a `+` and 8–15 digits are kept.
pub fn parse_phone(raw: &str) -> Result<Option<TextValue<'_>>, Reason> {
    let (trimmed, marked) = without_text_marker(trim(raw));
    if trimmed.is_empty() {
        return Ok(None);
    }
    if looks_scientific(trimmed) {
        return Err(Reason::ScientificNotationInId);
    }
    let folded: String = trimmed
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(fold_full_width)
        .collect();
    if folded
        .chars()
        .any(|c| !(c.is_ascii_digit() || " -+()./".contains(c)))
    {
        return Err(Reason::InvalidPhone);
    }
    let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    let mut normalised = Vec::new();
    if marked {
        normalised.push(Reason::TextMarker);
    }
    if trimmed.chars().any(is_invisible) {
        normalised.push(Reason::InvisibleStripped);
    }
    let plus = folded.starts_with('+');
    let national = if plus || digits.starts_with("0086") {
        digits
            .strip_prefix("0086")
            .or_else(|| digits.strip_prefix("86"))
            .map(str::to_string)
    } else if digits.len() == 13 && digits.starts_with("86") {
        Some(digits[2..].to_string())
    } else {
        Some(digits.clone())
    };
    if let Some(n) = &national {
        let b = n.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            normalised.push(Reason::PhoneNormalised);
            return Ok(Some(TextValue {
                value: Cow::Owned(format!("+86{n}")),
                normalised,
                warnings: Vec::new(),
            }));
        }
    }
    let landline = digits.starts_with('0') && (10..=16).contains(&digits.len());
    let foreign = plus && !digits.starts_with("86") && (8..=15).contains(&digits.len());
    if landline || foreign {
        return Ok(Some(TextValue {
            value: Cow::Owned(folded),
            normalised,
            warnings: Vec::new(),
        }));
    }
    Err(Reason::InvalidPhone)
}

/// An order status mapped to `completed`, `cancelled`, `refunded` or `pending` (G8).
pub fn parse_status(raw: &str) -> Result<Option<&'static str>, Reason> {
    // Lowercase and without accents: `Livrée`, `Entregado`, `Zurückgegeben`.
    let s: String = trim(raw)
        .to_lowercase()
        .chars()
        .map(crate::fields::without_accent)
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    let code = match s.as_str() {
        "completed" | "complete" | "paid" | "success" | "succeeded" | "shipped" | "delivered"
        | "done" | "closed" | "ok" | "已完成" | "完成" | "已支付" | "已付款" | "交易成功"
        | "成功" | "已发货" | "已签收" | "已收货" => "completed",
        // German, French, Spanish, Portuguese, Italian.
        "abgeschlossen" | "bezahlt" | "versendet" | "versandt" | "geliefert" | "zugestellt"
        | "terminee" | "termine" | "livree" | "payee" | "expediee" | "completee" | "completado"
        | "completada" | "entregado" | "entregada" | "pagado" | "pagada" | "enviado"
        | "enviada" | "concluido" | "entregue" | "pago" | "completato" | "consegnato"
        | "pagato" | "spedito" | "evaso" => "completed",
        "cancelled" | "canceled" | "void" | "voided" | "已取消" | "取消" | "作废" | "已作废"
        | "交易关闭" | "已关闭" => "cancelled",
        "storniert" | "annulee" | "annule" | "cancelado" | "cancelada" | "anulado" | "anulada"
        | "annullato" | "annullata" => "cancelled",
        "refunded" | "returned" | "refund" | "return" | "已退款" | "退款" | "退货" | "已退货"
        | "退款成功" => "refunded",
        "erstattet" | "zuruckgegeben" | "retoure" | "remboursee" | "rembourse" | "retournee"
        | "reembolsado" | "reembolsada" | "devuelto" | "devuelta" | "devolvido" | "rimborsato"
        | "reso" => "refunded",
        "pending" | "processing" | "unpaid" | "待付款" | "待发货" | "处理中" | "待支付" => {
            "pending"
        }
        "offen" | "ausstehend" | "in bearbeitung" | "en attente" | "en cours" | "pendiente"
        | "en proceso" | "pendente" | "em processamento" | "in attesa" | "in lavorazione" => {
            "pending"
        }
        _ => return Err(Reason::UnknownStatus),
    };
    Ok(Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(s: &str) -> Result<String, Reason> {
        parse_phone(s).map(|v| v.map(|t| t.value.into_owned()).unwrap_or_default())
    }

    #[test]
    fn chinese_mobiles_become_e164() {
        for s in [
            "+86 138-1234-5678",
            "138 1234 5678",
            "13812345678",
            "８６１３８１２３４５６７８",
            "0086 13812345678",
        ] {
            assert_eq!(phone(s).as_deref(), Ok("+8613812345678"), "{s}");
        }
    }

    #[test]
    fn landlines_are_kept_and_junk_refused() {
        assert_eq!(
            phone("(0755)12345678-801").as_deref(),
            Ok("(0755)12345678-801")
        );
        assert_eq!(phone("12345"), Err(Reason::InvalidPhone));
        assert_eq!(phone("1381234567x"), Err(Reason::InvalidPhone));
        assert_eq!(phone("1.38123E+10"), Err(Reason::ScientificNotationInId));
    }

    #[test]
    fn ids_refuse_scientific_notation_and_flag_truncation() {
        assert_eq!(parse_id("1.38123E+10"), Err(Reason::ScientificNotationInId));
        let v = parse_id("110101199001010000").expect("ok").expect("some");
        assert_eq!(v.warnings, vec![Reason::PossibleExcelTruncation]);
        assert_eq!(
            parse_id("  C001\u{200B} ")
                .expect("ok")
                .expect("some")
                .value,
            "C001"
        );
        assert_eq!(parse_id("Zh\0ang"), Err(Reason::ControlChar));
    }

    #[test]
    fn a_spreadsheet_text_marker_is_not_part_of_the_value() {
        let v = parse_id("'7012345678").expect("ok").expect("some");
        assert_eq!(
            (v.value.as_ref(), v.normalised),
            ("7012345678", vec![Reason::TextMarker])
        );
        let p = parse_phone("'+86 138 1234 5678")
            .expect("ok")
            .expect("some");
        assert_eq!(p.value, "+8613812345678");
        assert!(p.normalised.contains(&Reason::TextMarker));
        // An apostrophe before anything else is part of the id.
        let v = parse_id("'abc").expect("ok").expect("some");
        assert_eq!(v.value, "'abc");
    }

    #[test]
    fn ids_written_as_whole_floats_are_the_whole_number() {
        let v = parse_id("17850.0").expect("ok").expect("some");
        assert_eq!(
            (v.value.as_ref(), v.normalised),
            ("17850", vec![Reason::FloatId])
        );
        let v = parse_id(" 12.000 ").expect("ok").expect("some");
        assert_eq!(v.value, "12");
        // Not a whole float: kept as written.
        for kept in ["17850.5", "V1.0a", ".0", "1.", "A17.0", "1.0.0"] {
            let v = parse_id(kept).expect("ok").expect("some");
            assert_eq!((v.value.as_ref(), v.normalised), (kept, vec![]), "{kept}");
        }
    }

    #[test]
    fn mojibake_and_long_names() {
        assert_eq!(parse_name("锟斤拷"), Err(Reason::Mojibake));
        assert_eq!(parse_name(&"长".repeat(201)), Err(Reason::FieldTooLong));
        assert!(parse_name("😀 Zhang").is_ok());
        let v = parse_name("　张 三　").expect("ok").expect("some");
        assert_eq!(v.value, "张 三");
        assert!(v.warnings.contains(&Reason::InnerWhitespace));
    }

    #[test]
    fn statuses_map_or_are_unknown() {
        assert_eq!(parse_status("已取消"), Ok(Some("cancelled")));
        assert_eq!(parse_status("作废"), Ok(Some("cancelled")));
        assert_eq!(parse_status("weird"), Err(Reason::UnknownStatus));
        assert_eq!(parse_status("Livrée"), Ok(Some("completed")));
        assert_eq!(parse_status(" Entregado "), Ok(Some("completed")));
        assert_eq!(parse_status("Zurückgegeben"), Ok(Some("refunded")));
        assert_eq!(parse_status("Storniert"), Ok(Some("cancelled")));
        assert_eq!(parse_status("En attente"), Ok(Some("pending")));
    }
}

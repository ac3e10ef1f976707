//! Text encoding detection and strict decoding.
//!
//! Order of decisions (see INGEST-BAD-INPUTS A1–A8): an explicit label; a byte-order mark;
//! strict UTF-8; strict GB18030 (the WHATWG GBK decoder is the GB18030 decoder) when every
//! line that is not UTF-8 decodes as GB18030 and no line is UTF-8 Chinese; UTF-8 with the few
//! undecodable lines quarantined; anything else is refused with the detector's guess.
//! GB18030 is never tried before strict UTF-8: valid UTF-8 Chinese also "decodes" as GBK
//! (张三 → 寮犱笁) without error.

use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use std::borrow::Cow;

/// A file's bytes as UTF-8 text, with what was decided on the way.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text, without a byte-order mark.
    pub text: Cow<'a, str>,
    /// WHATWG name of the encoding, lower case (`utf-8`, `gb18030`, `utf-16le`, …).
    pub encoding: String,
    /// Whether a byte-order mark was present (and removed).
    pub bom: bool,
    /// Physical 1-based lines whose bytes are not valid in `encoding`; their text holds
    /// U+FFFD where the bad bytes were, and readers quarantine them (`invalid_encoding`).
    pub invalid_lines: Vec<u64>,
}

/// Why the bytes cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The label given by the user names no encoding.
    UnknownLabel(String),
    /// Not decodable as the given or detected encoding; `line` is the first bad line.
    Invalid {
        /// The encoding tried.
        encoding: String,
        /// First bad physical line, when known.
        line: Option<u64>,
    },
    /// Lines in two encodings (UTF-8 Chinese and GB18030).
    Mixed {
        /// First line that is not UTF-8.
        first_non_utf8_line: u64,
        /// First line with UTF-8 non-ASCII text.
        first_utf8_line: u64,
    },
    /// Not an encoding kehu reads without being told; `guess` is the detector's.
    Unsupported {
        /// WHATWG name of the guessed encoding.
        guess: String,
        /// First line that is not UTF-8.
        first_bad_line: u64,
    },
    /// UTF-16 without a byte-order mark.
    Utf16WithoutBom,
}

/// Decodes `bytes` to UTF-8 text, strictly: no byte is ever replaced silently.
pub fn decode<'a>(bytes: &'a [u8], label: Option<&str>) -> Result<Decoded<'a>, DecodeError> {
    if let Some(label) = label {
        return decode_with_label(bytes, label);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_utf8(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_strict(rest, UTF_16LE, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_strict(rest, UTF_16BE, true);
    }
    if looks_like_utf16(bytes) {
        return Err(DecodeError::Utf16WithoutBom);
    }
    decode_utf8(bytes, false)
}

fn decode_with_label<'a>(bytes: &'a [u8], label: &str) -> Result<Decoded<'a>, DecodeError> {
    let encoding = Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| DecodeError::UnknownLabel(label.to_string()))?;
    let (bytes, bom) = match Encoding::for_bom(bytes) {
        Some((bom_encoding, len)) if bom_encoding == encoding => (&bytes[len..], true),
        _ => (bytes, false),
    };
    if encoding == UTF_8 {
        return decode_utf8(bytes, bom);
    }
    // GBK is decoded by the GB18030 decoder (a superset), as the WHATWG standard says.
    decode_strict(bytes, encoding, bom)
}

fn decode_strict<'a>(
    bytes: &'a [u8],
    encoding: &'static Encoding,
    bom: bool,
) -> Result<Decoded<'a>, DecodeError> {
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Decoded {
            text,
            encoding: encoding.name().to_ascii_lowercase(),
            bom,
            invalid_lines: Vec::new(),
        }),
        None => Err(DecodeError::Invalid {
            encoding: encoding.name().to_ascii_lowercase(),
            line: first_undecodable_line(bytes, encoding),
        }),
    }
}

fn decode_utf8(bytes: &[u8], bom: bool) -> Result<Decoded<'_>, DecodeError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: Cow::Borrowed(text),
            encoding: "utf-8".into(),
            bom,
            invalid_lines: Vec::new(),
        });
    }
    let census = LineCensus::of(bytes);
    let all_gb = census.non_utf8.iter().all(|&(start, end, _)| {
        GB18030
            .decode_without_bom_handling_and_without_replacement(&bytes[start..end])
            .is_some()
    });
    let first_bad = census.non_utf8.first().map(|t| t.2).unwrap_or(1);
    if all_gb && !bom {
        if let Some(first_utf8_line) = census.first_utf8_non_ascii {
            return Err(DecodeError::Mixed {
                first_non_utf8_line: first_bad,
                first_utf8_line,
            });
        }
        let guess = guess_encoding(bytes);
        let western = guess == "windows-1252" && reads_as_rare_chinese(bytes);
        if !western
            && (guess == "gbk" || guess == "gb18030" || guess == "utf-8" || guess == "windows-1252")
        {
            // The detector often says windows-1252 for short Chinese files; every line
            // decoding strictly as GB18030 is the stronger evidence, unless the characters
            // it gives are the rare ones that Western text makes (below).
            return decode_strict(bytes, GB18030, false);
        }
        return Err(DecodeError::Unsupported {
            guess,
            first_bad_line: first_bad,
        });
    }
    // Lines that no candidate decodes: quarantine them one by one (the import's refusal
    // threshold still applies) unless they are most of the file, which means another
    // encoding altogether.
    if census.non_utf8.len() * 2 <= census.lines as usize {
        return Ok(Decoded {
            text: Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
            encoding: "utf-8".into(),
            bom,
            invalid_lines: census.non_utf8.iter().map(|t| t.2).collect(),
        });
    }
    Err(DecodeError::Unsupported {
        guess: guess_encoding(bytes),
        first_bad_line: first_bad,
    })
}

/// Which lines are valid UTF-8, and which of those hold non-ASCII text.
struct LineCensus {
    lines: u64,
    /// (start, end, 1-based line) of lines that are not valid UTF-8.
    non_utf8: Vec<(usize, usize, u64)>,
    first_utf8_non_ascii: Option<u64>,
}

impl LineCensus {
    fn of(bytes: &[u8]) -> LineCensus {
        let mut census = LineCensus {
            lines: 0,
            non_utf8: Vec::new(),
            first_utf8_non_ascii: None,
        };
        for (start, end) in physical_lines(bytes) {
            census.lines += 1;
            let line = &bytes[start..end];
            if line.is_ascii() {
                continue;
            }
            if std::str::from_utf8(line).is_ok() {
                census.first_utf8_non_ascii.get_or_insert(census.lines);
            } else {
                census.non_utf8.push((start, end, census.lines));
            }
        }
        census
    }
}

/// Byte ranges of physical lines, without terminators; `\r\n`, `\n` and a lone `\r` each end
/// a line.
pub fn physical_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        match memchr::memchr2(b'\n', b'\r', &bytes[pos..]) {
            Some(i) => {
                let end = pos + i;
                pos = end + 1;
                if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
                    pos += 1;
                }
                Some((start, end))
            }
            None => {
                pos = bytes.len();
                Some((start, bytes.len()))
            }
        }
    })
}

fn first_undecodable_line(bytes: &[u8], encoding: &'static Encoding) -> Option<u64> {
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return None;
    }
    physical_lines(bytes)
        .position(|(s, e)| {
            encoding
                .decode_without_bom_handling_and_without_replacement(&bytes[s..e])
                .is_none()
        })
        .map(|i| i as u64 + 1)
}

/// Whether most two-byte GB18030 characters of `bytes` have a trail byte in the ASCII range
/// (0x40–0x7E). Chinese text is mostly GB2312's common characters, both of whose bytes are
/// 0xA1 or above; Western text in windows-1252 has single accented letters between ASCII
/// ones (`M\xFCnchen`), which GB18030 also decodes, as rare characters (`黱`), without
/// error.
fn reads_as_rare_chinese(bytes: &[u8]) -> bool {
    let (mut pairs, mut ascii_trails) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            // A four-byte sequence: lead, digit, lead, digit.
            Some(0x30..=0x39) => i += 4,
            Some(&trail) => {
                pairs += 1;
                ascii_trails += usize::from(trail < 0x80);
                i += 2;
            }
            None => break,
        }
    }
    pairs > 0 && ascii_trails * 2 > pairs
}

fn guess_encoding(bytes: &[u8]) -> String {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let sample = &bytes[..bytes.len().min(1 << 20)];
    detector.feed(sample, sample.len() == bytes.len());
    detector
        .guess(None, chardetng::Utf8Detection::Allow)
        .name()
        .to_ascii_lowercase()
}

/// UTF-16 text without a BOM has a NUL in every other byte for ASCII content.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(4096)];
    if sample.len() < 16 {
        return false;
    }
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    let half = sample.len() / 2;
    even * 10 > half * 3 || odd * 10 > half * 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        GB18030.encode(text).0.into_owned()
    }

    #[test]
    fn valid_utf8_chinese_is_never_taken_for_gbk() {
        let d = decode("客户编号,姓名\n1,张三\n".as_bytes(), None).expect("utf-8");
        assert_eq!(d.encoding, "utf-8");
        assert!(d.text.contains("张三"));
    }

    #[test]
    fn bom_is_stripped_and_reported() {
        let d = decode(b"\xEF\xBB\xBFid,amount\n1,2\n", None).expect("utf-8");
        assert!(d.bom);
        assert!(d.text.starts_with("id,"));
    }

    #[test]
    fn gbk_chinese_export_decodes_as_gb18030() {
        let mut text = String::from("客户编号,姓名,金额\n");
        for i in 0..20 {
            text.push_str(&format!("{i},张三{i},100\n"));
        }
        let bytes = gbk(&text);
        let d = decode(&bytes, None).expect("gb18030");
        assert_eq!(d.encoding, "gb18030");
        assert_eq!(d.text, text);
    }

    #[test]
    fn western_text_is_not_taken_for_rare_chinese() {
        // windows-1252 German: every line decodes as GB18030 too (ü + letter is a valid
        // pair), into characters no Chinese export holds.
        let (bytes, _, _) = encoding_rs::WINDOWS_1252
            .encode("Kunde;Stadt\nK1;München\nK2;Köln\nK3;Düsseldorf\nK4;Göttingen\n");
        assert!(
            GB18030
                .decode_without_bom_handling_and_without_replacement(&bytes)
                .is_some()
        );
        match decode(&bytes, None) {
            Err(DecodeError::Unsupported { guess, .. }) => assert_eq!(guess, "windows-1252"),
            other => panic!("{other:?}"),
        }
        let told = decode(&bytes, Some("windows-1252")).expect("decodes when told");
        assert!(told.text.contains("München"));
        // Chinese text in GBK still decodes.
        let chinese = gbk("客户编号,城市\nC1,杭州\nC2,苏州\nC3,南京\n");
        assert_eq!(decode(&chinese, None).expect("gbk").encoding, "gb18030");
    }

    #[test]
    fn utf16le_with_bom_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "id\tamount\n1\t2\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let d = decode(&bytes, None).expect("utf-16");
        assert_eq!(d.encoding, "utf-16le");
        assert_eq!(d.text, "id\tamount\n1\t2\n");
    }

    #[test]
    fn a_few_invalid_bytes_quarantine_their_lines() {
        let mut bytes = b"id,name\n".to_vec();
        for i in 0..40 {
            bytes.extend_from_slice(format!("{i},pedro\n").as_bytes());
        }
        bytes.extend_from_slice(b"41,pedro\xff\xff\n");
        let d = decode(&bytes, None).expect("utf-8 with a bad line");
        assert_eq!(d.encoding, "utf-8");
        assert_eq!(d.invalid_lines, vec![42]);
    }

    #[test]
    fn utf8_and_gbk_halves_are_mixed() {
        let mut bytes = "id,name\n1,张三\n".as_bytes().to_vec();
        bytes.extend(gbk("2,李四\n"));
        assert!(matches!(
            decode(&bytes, None),
            Err(DecodeError::Mixed {
                first_non_utf8_line: 3,
                first_utf8_line: 2
            })
        ));
    }

    #[test]
    fn physical_lines_count_every_terminator() {
        let bytes = b"a\r\nb\rc\n\nd";
        let lines: Vec<_> = physical_lines(bytes).map(|(s, e)| &bytes[s..e]).collect();
        assert_eq!(lines, vec![&b"a"[..], b"b", b"c", b"", b"d"]);
    }
}

//! Distinct texts numbered from 1 in the order first seen, for kehu's aggregate functions:
//! they keep a `u32` per group instead of a string (DataFusion's text accumulators keep a
//! growable buffer per group, see `sole_value`).

use std::collections::HashMap;

/// Up to this many distinct texts, a text's code is found by comparing it with each: channels,
/// regions and most category lists are this short, and comparing is cheaper than hashing.
const FEW_TEXTS: usize = 16;

/// The largest code; `u32::MAX` is left to the callers as a marker.
const LAST_CODE: u32 = u32::MAX - 1;

#[derive(Debug, Default)]
pub(crate) struct TextCodes {
    index: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    texts: Vec<Box<str>>,
    bytes: usize,
}

impl TextCodes {
    /// The code of `text` (1 for the first text seen, then 2, …), numbering it if new.
    pub(crate) fn code_of(&mut self, text: &str) -> u32 {
        if self.texts.len() <= FEW_TEXTS {
            if let Some(i) = self.texts.iter().position(|t| **t == *text) {
                return i as u32 + 1;
            }
        } else if let Some(&code) = self.index.get(text) {
            return code;
        }
        self.texts.push(text.into());
        self.bytes += text.len();
        let code = u32::try_from(self.texts.len()).map_or(LAST_CODE, |c| c.min(LAST_CODE));
        self.index.insert(text.into(), code);
        code
    }

    /// The text of `code`; `None` for 0 and any code not given out.
    pub(crate) fn text(&self, code: u32) -> Option<&str> {
        let i = usize::try_from(code).ok()?.checked_sub(1)?;
        self.texts.get(i).map(|t| &**t)
    }

    /// Memory held, roughly, in bytes.
    pub(crate) fn size(&self) -> usize {
        self.texts.capacity() * 16 + self.index.capacity() * 24 + 2 * self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_past_the_few_compared_directly() {
        let mut codes = TextCodes::default();
        let names: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        let first: Vec<u32> = names.iter().map(|n| codes.code_of(n)).collect();
        let again: Vec<u32> = names.iter().map(|n| codes.code_of(n)).collect();
        assert_eq!(first, (1..=40).collect::<Vec<u32>>());
        assert_eq!(first, again);
        assert_eq!(codes.text(17), Some("t16"));
        assert_eq!(codes.text(0), None);
        assert_eq!(codes.text(41), None);
    }
}

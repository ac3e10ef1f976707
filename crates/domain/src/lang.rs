use serde::{Deserialize, Serialize};

/// The language of labels, reports and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

impl Lang {
    /// Picks the text for this language.
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// The code used on the command line and in files: `en` or `zh`.
    pub fn code(self) -> &'static str {
        self.pick("en", "zh")
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "zh" | "cn" | "zh-cn" | "chinese" | "中文" => Ok(Lang::Zh),
            other => Err(format!("unknown language `{other}`: use `en` or `zh`")),
        }
    }
}

//! `against = "mean" | "median" | number`: what a feature is judged high or low against.

use kehu_models::Reference;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A reference value in the config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Against {
    /// The mean over the customers judged.
    Mean,
    /// The median.
    Median,
    /// A set value.
    Value(f64),
}

impl From<Against> for Reference {
    fn from(a: Against) -> Self {
        match a {
            Against::Mean => Reference::Mean,
            Against::Median => Reference::Median,
            Against::Value(v) => Reference::Value(v),
        }
    }
}

impl Serialize for Against {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Against::Mean => s.serialize_str("mean"),
            Against::Median => s.serialize_str("median"),
            Against::Value(v) => s.serialize_f64(*v),
        }
    }
}

struct AgainstVisitor;

impl Visitor<'_> for AgainstVisitor {
    type Value = Against;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(r#""mean", "median" or a number"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Against, E> {
        match v {
            "mean" => Ok(Against::Mean),
            "median" => Ok(Against::Median),
            other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Against, E> {
        Ok(Against::Value(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Against, E> {
        Ok(Against::Value(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Against, E> {
        Ok(Against::Value(v as f64))
    }
}

impl<'de> Deserialize<'de> for Against {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AgainstVisitor)
    }
}

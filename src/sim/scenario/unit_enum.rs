//! Deserialization of the scenario's unit enums (`OperatorKind`, `Partitioning`,
//! `CheckpointingMode`) through one shared visitor instead of serde derive's visitor per enum:
//! the same accepted input and the same error messages as the derive (an unknown variant lists
//! the expected ones, as `unknown variant `x`, expected one of `a`, `b``), with a single copy
//! of the code in the browser bundle. The enum is picked by its variant's position.

use serde::de::{self, DeserializeSeed, EnumAccess, Unexpected, VariantAccess, Visitor};
use std::fmt;

/// An enum of unit variants named `variants`; `name` is its Rust name (serde's `enum Name`).
pub(super) struct UnitEnum {
    pub name: &'static str,
    pub variants: &'static [&'static str],
}

impl UnitEnum {
    /// The position of the variant read (serde's `deserialize_enum`).
    #[inline(never)]
    pub fn index<'de, D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_enum(self.name, self.variants, self)
    }
}

impl<'de> Visitor<'de> for UnitEnum {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "enum {}", self.name)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
        let (i, v) = data.variant_seed(Identifier(self.variants))?;
        v.unit_variant()?;
        Ok(i)
    }
}

/// A variant's name (or index), as serde derive's field visitor reads it.
struct Identifier(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Identifier {
    type Value = usize;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

/// serde derive's message for an index out of range: `variant index 0 <= i < N`.
struct IndexBelow(usize);

impl de::Expected for IndexBelow {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "variant index 0 <= i < {}", self.0)
    }
}

impl<'de> Visitor<'de> for Identifier {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        if v < self.0.len() as u64 {
            Ok(v as usize)
        } else {
            Err(E::invalid_value(
                Unexpected::Unsigned(v),
                &IndexBelow(self.0.len()),
            ))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| *n == v)
            .ok_or_else(|| E::unknown_variant(v, self.0))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| n.as_bytes() == v)
            .ok_or_else(|| E::unknown_variant(&String::from_utf8_lossy(v), self.0))
    }
}

/// `impl Deserialize for $enum` through [`UnitEnum`]: its variants' names in the file, and the
/// variants in the same order.
macro_rules! deserialize_as {
    ($enum:ident, [$($name:literal),+], [$($variant:ident),+]) => {
        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const VARIANTS: &[&str] = &[$($name),+];
                let i = unit_enum::UnitEnum {
                    name: stringify!($enum),
                    variants: VARIANTS,
                }
                .index(d)?;
                Ok([$($enum::$variant),+][i])
            }
        }
    };
}
pub(super) use deserialize_as;

#[cfg(test)]
mod tests {
    use super::super::{CheckpointingMode, OperatorKind, Partitioning};

    fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        serde_json::from_str::<T>(json).unwrap_err().to_string()
    }

    #[test]
    fn unit_enums_read_their_names_and_refuse_others_as_serde_derive_does() {
        assert_eq!(
            serde_json::from_str::<OperatorKind>("\"keyed\"").unwrap(),
            OperatorKind::Keyed
        );
        assert_eq!(
            serde_json::from_str::<Partitioning>("{\"broadcast\": null}").unwrap(),
            Partitioning::Broadcast
        );
        assert_eq!(
            serde_json::from_value::<CheckpointingMode>(serde_json::json!("AT_LEAST_ONCE"))
                .unwrap(),
            CheckpointingMode::AtLeastOnce
        );
        assert_eq!(
            err::<OperatorKind>("\"filter\""),
            "unknown variant `filter`, expected one of `source`, `map`, `keyed`, `sink` at line 1 column 8"
        );
        assert_eq!(
            err::<Partitioning>("5"),
            "expected value at line 1 column 1"
        );
        assert_eq!(
            err::<CheckpointingMode>("{\"EXACTLY_ONCE\": 1}"),
            "invalid type: integer `1`, expected unit at line 1 column 18"
        );
        assert_eq!(
            serde_json::from_value::<OperatorKind>(serde_json::json!(3))
                .unwrap_err()
                .to_string(),
            "invalid type: integer `3`, expected string or map"
        );
    }
}

//! Reading rates back from JSON: serde_json writes a NaN rate (nothing to count) as `null`, and
//! these read `null` back as NaN, so that a report round-trips.

use serde::{Deserialize, Deserializer};

/// Reads a number, `null` as NaN.
pub(crate) fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// Reads four numbers, `null`s as NaN.
pub(super) fn four<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[f64; 4], D::Error> {
    let values = <[Option<f64>; 4]>::deserialize(deserializer)?;
    Ok(values.map(|v| v.unwrap_or(f64::NAN)))
}

//! Reading fields of canonical proto3 JSON, where int64 travels as a string and an absent field
//! means zero or empty.

use serde_json::Value;

/// Integer fields arrive canonical (int32 as numbers, int64 as strings); absent means 0.
pub(super) fn int(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

pub(super) fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

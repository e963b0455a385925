//! Semantic checks on request values beyond what the contract's types enforce: names, labels,
//! taints, zones and autoscaling bounds, each failing with GKE's own INVALID_ARGUMENT wording.

use serde_json::Value;

use super::canonical::int;
use super::locations::{is_zone, region_of};
use super::{Cluster, GkeError};

pub(super) fn validate_autoscaling(field: &str, autoscaling: &Value) -> Result<(), GkeError> {
    let enabled = autoscaling.get("enabled").and_then(Value::as_bool) == Some(true);
    let count = |name: &str| int(autoscaling.get(name));
    let (min, max) = (count("minNodeCount"), count("maxNodeCount"));
    let (total_min, total_max) = (count("totalMinNodeCount"), count("totalMaxNodeCount"));
    for (name, value) in [
        ("min_node_count", min),
        ("max_node_count", max),
        ("total_min_node_count", total_min),
        ("total_max_node_count", total_max),
    ] {
        if value < 0 {
            return Err(GkeError::invalid_field(
                &format!("{field}.{name}"),
                format!("{value}. Must be non-negative."),
            ));
        }
    }
    if (min > 0 || max > 0) && (total_min > 0 || total_max > 0) {
        return Err(GkeError::invalid_argument(format!(
            "Invalid value for field \"{field}\": total_min_node_count and total_max_node_count cannot be combined with min_node_count and max_node_count."
        )));
    }
    if !enabled {
        return Ok(());
    }
    let (low, high, prefix) = if total_min > 0 || total_max > 0 {
        (total_min, total_max, "total_")
    } else {
        (min, max, "")
    };
    if high == 0 {
        return Err(GkeError::invalid_field(
            &format!("{field}.{prefix}max_node_count"),
            "0. Must be greater than 0 when autoscaling is enabled.",
        ));
    }
    if low > high {
        return Err(GkeError::invalid_argument(format!(
            "Invalid value for field \"{field}\": {prefix}min_node_count ({low}) must be less than or equal to {prefix}max_node_count ({high})."
        )));
    }
    Ok(())
}

pub(super) fn validate_zones(
    cluster: &Cluster,
    field: &str,
    zones: &[String],
) -> Result<(), GkeError> {
    let region = cluster.region();
    match zones
        .iter()
        .find(|zone| !is_zone(zone) || region_of(zone) != region)
    {
        Some(zone) => Err(GkeError::invalid_field(
            field,
            format!(
                "{zone:?}. Node pool locations must be zones of the cluster's region {region:?}."
            ),
        )),
        None => Ok(()),
    }
}

/// Cluster and pool names: `[a-z]([-a-z0-9]{0,38}[a-z0-9])?`, with GKE's own wording.
pub(super) fn validate_resource_name(field: &str, name: &str) -> Result<(), GkeError> {
    let bytes = name.as_bytes();
    let valid = matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.len() <= 40
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        && matches!(bytes.last(), Some(b'a'..=b'z' | b'0'..=b'9'));
    if valid {
        return Ok(());
    }
    Err(GkeError::invalid_field(
        field,
        format!(
            "{name:?}. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{{0,38}}[a-z0-9])?)' (only lowercase alphanumerics and '-' allowed, must start with a letter and end with an alphanumeric, and must be no longer than 40 characters)."
        ),
    ))
}

pub(super) fn validate_labels(field: &str, labels: &Value) -> Result<(), GkeError> {
    let Some(labels) = labels.as_object() else {
        return Ok(());
    };
    for (key, value) in labels {
        if !is_label_key(key) {
            return Err(GkeError::invalid_field(
                field,
                format!("label key {key:?} is not a valid Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters ([A-Za-z0-9], '-', '_' or '.', starting and ending with an alphanumeric)."),
            ));
        }
        let value = value.as_str().unwrap_or_default();
        if !is_label_value(value) {
            return Err(GkeError::invalid_field(
                field,
                format!("label value {value:?} of {key:?} is not a valid Kubernetes label value: at most 63 characters ([A-Za-z0-9], '-', '_' or '.', starting and ending with an alphanumeric), or empty."),
            ));
        }
    }
    Ok(())
}

pub(super) fn validate_taints(field: &str, taints: &Value) -> Result<(), GkeError> {
    let Some(taints) = taints.as_array() else {
        return Ok(());
    };
    for (index, taint) in taints.iter().enumerate() {
        let key = taint.get("key").and_then(Value::as_str).unwrap_or_default();
        let value = taint
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !is_label_key(key) {
            return Err(GkeError::invalid_field(
                &format!("{field}[{index}].key"),
                format!("{key:?} is not a valid taint key (Kubernetes label key syntax)."),
            ));
        }
        if !is_label_value(value) {
            return Err(GkeError::invalid_field(
                &format!("{field}[{index}].value"),
                format!("{value:?} is not a valid taint value (Kubernetes label value syntax)."),
            ));
        }
        if taint.get("effect").and_then(Value::as_str).is_none() {
            return Err(GkeError::invalid_field(
                &format!("{field}[{index}].effect"),
                "EFFECT_UNSPECIFIED. Must be one of NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE.",
            ));
        }
    }
    Ok(())
}

/// Compute Engine labels: lowercase keys starting with a letter, lowercase values, 63 characters each.
pub(super) fn validate_resource_labels(field: &str, labels: &Value) -> Result<(), GkeError> {
    let Some(labels) = labels.as_object() else {
        return Ok(());
    };
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    for (key, value) in labels {
        let value = value.as_str().unwrap_or_default();
        let key_ok = key.starts_with(|c: char| c.is_ascii_lowercase())
            && key.len() <= 63
            && key.chars().all(allowed);
        if !key_ok || value.len() > 63 || !value.chars().all(allowed) {
            return Err(GkeError::invalid_field(
                field,
                format!("{key:?}: {value:?} is not a valid resource label: keys start with a lowercase letter, and keys and values hold at most 63 lowercase letters, digits, '_' or '-'."),
            ));
        }
    }
    Ok(())
}

fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            })
    });
    prefix_ok && !name.is_empty() && is_label_value(name)
}

fn is_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn autoscaling_bounds_are_checked() {
        let check = |a: Value| validate_autoscaling("autoscaling", &a).map_err(|e| e.message);
        assert!(check(json!({"enabled": true, "minNodeCount": 1, "maxNodeCount": 3})).is_ok());
        assert!(
            check(json!({"enabled": true, "minNodeCount": 4, "maxNodeCount": 3}))
                .unwrap_err()
                .contains("min_node_count (4)")
        );
        assert!(
            check(json!({"enabled": true, "minNodeCount": 1, "totalMaxNodeCount": 3}))
                .unwrap_err()
                .contains("cannot be combined")
        );
        assert!(
            check(json!({"enabled": true, "minNodeCount": -1, "maxNodeCount": 3}))
                .unwrap_err()
                .contains("non-negative")
        );
    }

    #[test]
    fn label_syntax() {
        assert!(
            is_label_key("cloud.google.com/gke-nodepool")
                && is_label_key("team")
                && is_label_key("a_b.c")
        );
        assert!(
            !is_label_key("Bad Key")
                && !is_label_key("-x")
                && !is_label_key("/x")
                && !is_label_key("A.b/x")
        );
        assert!(
            is_label_value("")
                && is_label_value("v1.2")
                && !is_label_value("x-")
                && !is_label_value(&"a".repeat(64))
        );
    }
}

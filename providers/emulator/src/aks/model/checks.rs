//! Semantic checks on an agent pool beyond what the contract's types enforce: its name, count,
//! autoscaler bounds, taints, and what a System or Spot pool may be. Each fails with a 400 in
//! ARM's shape; codes are AKS's `InvalidParameter` unless said otherwise.

use serde_json::{Map, Value};

use super::defaults::{is_scale_set, is_spot};
use super::ArmError;

/// Agent pool names (provider-apis.md §2.7): a lowercase letter, then up to 11 lowercase letters or digits.
pub(super) fn validate_name(name: &str) -> Result<(), ArmError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if first_ok && rest_ok && name.len() <= 12 {
        return Ok(());
    }
    Err(ArmError::invalid_parameter(
        "agentPoolProfile.name",
        format!(
            "The value of parameter agentPoolProfile.name is invalid. Error details: Agent pool name '{name}' must start with a lowercase letter, have at most 12 characters and contain only lowercase letters and numbers (^[a-z][a-z0-9]{{0,11}}$)."
        ),
    ))
}

fn int(properties: &Map<String, Value>, key: &str) -> Option<i64> {
    properties.get(key).and_then(Value::as_i64)
}

fn text<'a>(properties: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    properties.get(key).and_then(Value::as_str)
}

/// Checks a pool as it would stand after the request: its defaults and retained values included.
pub(super) fn validate_pool(properties: &Map<String, Value>) -> Result<(), ArmError> {
    let system = text(properties, "mode") == Some("System");
    if system && is_spot(properties) {
        // provider-apis.md §2.7: "A Spot pool can't be a system or default pool."
        return Err(ArmError::invalid_parameter(
            "agentPoolProfile.mode",
            "A Spot agent pool cannot be a System mode agent pool. Use mode User for scaleSetPriority Spot.",
        ));
    }
    if system && text(properties, "osType") == Some("Windows") {
        return Err(ArmError::invalid_parameter(
            "agentPoolProfile.mode",
            "System agent pools must run Linux: osType Windows is only allowed for User mode agent pools.",
        ));
    }
    if is_scale_set(properties) {
        validate_count(properties, system)?;
        validate_autoscaling(properties, system)?;
    }
    if let Some(taints) = properties.get("nodeTaints").and_then(Value::as_array) {
        for taint in taints {
            validate_taint(taint.as_str().unwrap_or_default())?;
        }
    }
    Ok(())
}

fn validate_count(properties: &Map<String, Value>, system: bool) -> Result<(), ArmError> {
    let count = int(properties, "count").unwrap_or(1);
    let min = i64::from(system);
    if (min..=1000).contains(&count) {
        return Ok(());
    }
    // The wording AKS used in cluster-api-provider-azure#5947.
    Err(ArmError::invalid_parameter(
        "agentPoolProfile.count",
        format!(
            "agentPoolProfile.count was {count}. It must be greater or equal to minCount:{min} and less than or equal to maxCount:1000."
        ),
    ))
}

fn validate_autoscaling(properties: &Map<String, Value>, system: bool) -> Result<(), ArmError> {
    let enabled = properties.get("enableAutoScaling").and_then(Value::as_bool) == Some(true);
    let (min, max) = (int(properties, "minCount"), int(properties, "maxCount"));
    if !enabled {
        // provider-apis.md §2.6: "When autoscaling is off, minCount/maxCount must be null."
        if min.is_some() || max.is_some() {
            return Err(ArmError::invalid_parameter(
                "agentPoolProfile.minCount",
                "Min count and max count must be null (unset) when enableAutoScaling is false.",
            ));
        }
        return Ok(());
    }
    let (Some(min), Some(max)) = (min, max) else {
        return Err(ArmError::invalid_parameter(
            "agentPoolProfile.minCount",
            "Min count and max count are required when enableAutoScaling is true.",
        ));
    };
    let floor = i64::from(system);
    if min < floor || max > 1000 || min > max {
        return Err(ArmError::invalid_parameter(
            "agentPoolProfile.minCount",
            format!(
                "agentPoolProfile.minCount was {min} and agentPoolProfile.maxCount was {max}. They must satisfy {floor} <= minCount <= maxCount <= 1000{}.",
                if system { " for a System agent pool" } else { "" }
            ),
        ));
    }
    let count = int(properties, "count").unwrap_or(min);
    if count < min || count > max {
        return Err(ArmError::invalid_parameter(
            "agentPoolProfile.count",
            format!(
                "agentPoolProfile.count was {count}. It must be greater or equal to minCount:{min} and less than or equal to maxCount:{max}."
            ),
        ));
    }
    Ok(())
}

/// `key[=value]:Effect` with one of Kubernetes' three effects. AKS calls a malformed one an
/// "invalid taint spec" and points at https://aka.ms/node-taints (azurerm PR #32269).
pub(super) fn validate_taint(taint: &str) -> Result<(), ArmError> {
    let valid = taint.rsplit_once(':').is_some_and(|(key_value, effect)| {
        let key = key_value.split_once('=').map_or(key_value, |(k, _)| k);
        let value = key_value.split_once('=').map_or("", |(_, v)| v);
        let key_ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c));
        let value_ok = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
        key_ok && value_ok && ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect)
    });
    if valid {
        return Ok(());
    }
    Err(ArmError::invalid_parameter(
        "agentPoolProfile.nodeTaints",
        format!(
            "invalid taint spec: '{taint}'. A taint must be key[=value]:Effect with the effect NoSchedule, PreferNoSchedule or NoExecute; see https://aka.ms/node-taints."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_akss_pattern() {
        for good in ["a", "pool1", "abcdefghijkl"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in ["", "1pool", "Pool", "abcdefghijklm", "po-ol"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn taints_need_a_key_and_one_of_three_effects() {
        for good in ["k=v:NoSchedule", "k:NoExecute", "a.b/c=d:PreferNoSchedule"] {
            assert!(validate_taint(good).is_ok(), "{good}");
        }
        for bad in [
            "k=v",
            "=v:NoSchedule",
            "k=v:NoScheduled",
            "k=v:noschedule",
            "",
        ] {
            assert!(validate_taint(bad).is_err(), "{bad}");
        }
    }
}

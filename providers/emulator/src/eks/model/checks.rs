//! EKS's own rules on values the contract lets through: names, label and taint sizes, tag
//! limits, scaling bounds, subnets and the node role. Messages follow EKS's style where it is
//! known ("Minimum capacity 2 can't be greater than desired size 1"); the other wordings are the
//! emulator's.

use std::collections::BTreeMap;

use super::{EksError, Taint};

/// At most this many taints on a node group (provider-apis.md §3.7, unconfirmed).
pub(super) const MAX_TAINTS: usize = 50;
/// At most this many tags on a resource (the model's TagMap `max`).
const MAX_TAGS: usize = 50;
/// At most this many instance types (CreateNodegroup's documentation: 0-20).
const MAX_INSTANCE_TYPES: usize = 20;

/// Node-group names: 1-63 characters, a letter or digit first, then letters, digits, `-`, `_`.
pub(super) fn nodegroup_name(name: &str) -> Result<(), EksError> {
    let mut chars = name.chars();
    let ok = name.len() <= 63
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    match ok {
        true => Ok(()),
        false => Err(EksError::invalid(format!(
            "Nodegroup name {name:?} is invalid: it must be 1-63 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores."
        ))),
    }
}

fn length_within(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.chars().count())
}

pub(super) fn label_key(key: &str) -> Result<(), EksError> {
    match length_within(key, 1, 63) {
        true => Ok(()),
        false => Err(EksError::invalid(format!(
            "Label key {key:?} is invalid: label keys must be 1-63 characters."
        ))),
    }
}

pub(super) fn labels(labels: &BTreeMap<String, String>) -> Result<(), EksError> {
    for (key, value) in labels {
        label_key(key)?;
        if !length_within(value, 1, 63) {
            return Err(EksError::invalid(format!(
                "Label value {value:?} of key {key:?} is invalid: label values must be 1-63 characters."
            )));
        }
    }
    Ok(())
}

/// A taint's key (1-63 characters, or up to 253 with a DNS prefix `prefix/name` whose name
/// part is 1-63), its value (0-63) and, unless it only names a taint to remove, its effect.
pub(super) fn taint(taint: &Taint, needs_effect: bool) -> Result<(), EksError> {
    let key = &taint.key;
    let key_ok = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            !prefix.is_empty() && length_within(name, 1, 63) && length_within(key, 1, 253)
        }
        None => length_within(key, 1, 63),
    };
    if !key_ok {
        return Err(EksError::invalid(format!(
            "Taint key {key:?} is invalid: taint keys must be 1-63 characters, or up to 253 with a DNS prefix."
        )));
    }
    if let Some(value) = &taint.value {
        if !length_within(value, 0, 63) {
            return Err(EksError::invalid(format!(
                "Taint value {value:?} of key {key:?} is invalid: taint values must be 0-63 characters."
            )));
        }
    }
    if needs_effect && taint.effect.is_none() {
        return Err(EksError::invalid(format!(
            "Taint {key:?} has no effect: effect must be one of NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE."
        )));
    }
    Ok(())
}

pub(super) fn taint_count(count: usize) -> Result<(), EksError> {
    match count <= MAX_TAINTS {
        true => Ok(()),
        false => Err(EksError::invalid(format!(
            "A node group can have at most {MAX_TAINTS} taints; this request would leave {count}."
        ))),
    }
}

/// Tag keys 1-128 characters and not under `aws:`, values 0-256, at most 50 tags.
pub(super) fn tags(tags: &BTreeMap<String, String>) -> Result<(), String> {
    if tags.len() > MAX_TAGS {
        return Err(format!(
            "A resource can have at most {MAX_TAGS} tags; this request would leave {}.",
            tags.len()
        ));
    }
    for (key, value) in tags {
        if !length_within(key, 1, 128) {
            return Err(format!(
                "Tag key {key:?} is invalid: tag keys must be 1-128 characters."
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(format!(
                "Tag key {key:?} is invalid: the aws: prefix is reserved for AWS use."
            ));
        }
        if value.chars().count() > 256 {
            return Err(format!(
                "Tag value of key {key:?} is invalid: tag values must be at most 256 characters."
            ));
        }
    }
    Ok(())
}

/// `minSize <= desiredSize <= maxSize`, `maxSize >= 1`, none negative.
pub(super) fn scaling(min: i64, max: i64, desired: i64) -> Result<(), EksError> {
    if min < 0 || desired < 0 {
        return Err(EksError::invalid(format!(
            "Minimum capacity {min} and desired size {desired} must be at least 0."
        )));
    }
    if max < 1 {
        return Err(EksError::invalid(format!(
            "Maximum capacity {max} must be at least 1."
        )));
    }
    if min > max {
        return Err(EksError::invalid(format!(
            "Minimum capacity {min} can't be greater than maximum capacity {max}"
        )));
    }
    if min > desired {
        return Err(EksError::invalid(format!(
            "Minimum capacity {min} can't be greater than desired size {desired}"
        )));
    }
    if desired > max {
        return Err(EksError::invalid(format!(
            "Desired capacity {desired} can't be greater than maximum capacity {max}"
        )));
    }
    Ok(())
}

pub(super) fn subnets(subnets: &[String]) -> Result<(), EksError> {
    if subnets.is_empty() {
        return Err(EksError::invalid(
            "Subnets are required: give at least one subnet ID.",
        ));
    }
    for subnet in subnets {
        if !subnet.starts_with("subnet-") || subnet.len() <= "subnet-".len() {
            return Err(EksError::invalid(format!(
                "The subnet ID '{subnet}' is not valid: subnet IDs look like subnet-0123456789abcdef0."
            )));
        }
    }
    Ok(())
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub(super) fn node_role(role: &str) -> Result<(), EksError> {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    let ok = matches!(
        parts.as_slice(),
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty())
    );
    match ok {
        true => Ok(()),
        false => Err(EksError::invalid(format!(
            "The nodeRole '{role}' is not a valid IAM role ARN (arn:aws:iam::123456789012:role/NAME)."
        ))),
    }
}

pub(super) fn instance_types(types: &[String]) -> Result<(), EksError> {
    if types.len() > MAX_INSTANCE_TYPES {
        return Err(EksError::invalid(format!(
            "At most {MAX_INSTANCE_TYPES} instance types can be given, not {}.",
            types.len()
        )));
    }
    if let Some(bad) = types.iter().find(|t| !t.contains('.') || t.len() < 3) {
        return Err(EksError::invalid(format!(
            "Instance type '{bad}' is not valid: instance types look like m5.large."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: &str) -> Taint {
        Taint {
            key: key.into(),
            value: None,
            effect: Some("NO_SCHEDULE".into()),
        }
    }

    #[test]
    fn scaling_bounds_speak_like_eks() {
        assert_eq!(
            scaling(2, 3, 1).unwrap_err().message,
            "Minimum capacity 2 can't be greater than desired size 1"
        );
        assert!(scaling(0, 1, 0).is_ok());
        assert!(scaling(0, 0, 0).is_err());
        assert!(scaling(1, 2, 3).is_err());
    }

    #[test]
    fn taint_keys_may_carry_a_dns_prefix() {
        assert!(taint(&key(&"a".repeat(63)), true).is_ok());
        assert!(taint(&key(&"a".repeat(64)), true).is_err());
        assert!(taint(&key(&format!("{}/gpu", "example.com".repeat(10))), true).is_ok());
        assert!(taint(&key(&format!("{}/gpu", "x".repeat(250))), true).is_err());
        assert!(taint(&key(""), true).is_err());
    }

    #[test]
    fn roles_subnets_and_tags() {
        assert!(node_role("arn:aws:iam::123456789012:role/nodes").is_ok());
        assert!(node_role("arn:aws:iam::123:role/nodes").is_err());
        assert!(node_role("nodes").is_err());
        assert!(subnets(&[]).is_err());
        assert!(subnets(&["subnet-1".into()]).is_ok());
        let mut tags = BTreeMap::new();
        tags.insert("aws:x".to_string(), "v".to_string());
        assert!(super::tags(&tags).is_err());
    }
}

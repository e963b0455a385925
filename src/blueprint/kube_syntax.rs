//! Kubernetes syntax for label and taint keys and values, as the API server checks it.
//! Checked here so that a typo fails `poolctl validate` instead of a cloud call halfway through an apply.

/// The longest DNS-subdomain prefix a qualified key may carry.
const MAX_PREFIX: usize = 253;
/// The longest name part of a key, and the longest value.
const MAX_NAME: usize = 63;

/// Checks a label or taint key: an optional DNS-subdomain prefix and `/`, then a name.
pub(crate) fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if name.contains('/') {
            return Err(format!("`{key}` has more than one `/`"));
        }
        check_dns_subdomain(prefix).map_err(|why| format!("the prefix `{prefix}` {why}"))?;
    }
    check_name(name).map_err(|why| format!("the name `{name}` {why}"))
}

/// Checks a label or taint value: empty, or a name of at most 63 characters.
pub(crate) fn check_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    check_name(value).map_err(|why| format!("`{value}` {why}"))
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "is {} characters long; at most {MAX_NAME} are allowed",
            name.len()
        ));
    }
    let alnum_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !alnum_ends {
        return Err("must begin and end with a letter or digit".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "contains `{bad}`; only letters, digits, `-`, `_` and `.` are allowed"
        ));
    }
    Ok(())
}

fn check_dns_subdomain(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("is empty".into());
    }
    if prefix.len() > MAX_PREFIX {
        return Err(format!(
            "is {} characters long; at most {MAX_PREFIX} are allowed",
            prefix.len()
        ));
    }
    for part in prefix.split('.') {
        let lower_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let ok = part.starts_with(lower_alnum)
            && part.ends_with(lower_alnum)
            && part.chars().all(|c| lower_alnum(c) || c == '-');
        if !ok {
            return Err(
                "must be a DNS subdomain: lowercase letters, digits, `-` and `.`, \
                        each dot-separated part starting and ending with a letter or digit"
                    .into(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_kubernetes_accepts() {
        for key in [
            "team",
            "high-memory",
            "nvidia.com/gpu",
            "cloud.google.com/gke-spot",
            "a_b.c-d",
            "x",
        ] {
            assert_eq!(check_key(key), Ok(()), "{key}");
        }
        for value in ["", "true", "data-team", "v1.2_3"] {
            assert_eq!(check_value(value), Ok(()), "{value}");
        }
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        let long = "a".repeat(64);
        for key in [
            "",
            "-team",
            "team-",
            "a/b/c",
            "Example.com/x",
            "/x",
            "x/",
            "has space",
            long.as_str(),
        ] {
            assert!(check_key(key).is_err(), "{key}");
        }
        for value in ["-x", "x.", "a/b", long.as_str()] {
            assert!(check_value(value).is_err(), "{value}");
        }
        let long_prefix = format!("{}.com/x", "a".repeat(250));
        assert!(check_key(&long_prefix).is_err());
    }
}

//! Strict checking of EKS request bodies against the pruned botocore model in `contract.json`
//! (written by `scripts/gen-eks-contract.py` from `../shared/api-specs/eks/eks.service-2.json`).
//!
//! Refused with `InvalidParameterException` (400): a body that is not a JSON object, members the
//! operation's input shape does not have in its body (unknown names, and path or query members
//! such as `clusterName`), missing required body members, values of the wrong JSON type, enum
//! values outside the model's set, and integers outside the model's `min`/`max`. Nulls mean
//! "not set" and are dropped. String lengths and collection sizes are EKS's own rules, checked in
//! `model::checks`, because the model's `max` on taint keys (63) is stricter than the service,
//! which takes a DNS prefix.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::model::EksError;

/// The pruned contract; see the module doc.
pub(crate) const CONTRACT_JSON: &str = include_str!("contract.json");

pub(crate) fn embedded_contract() -> &'static Value {
    static CONTRACT: OnceLock<Value> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        // Generated, checked by `--check` and parsed by a unit test: a failure is a build defect.
        serde_json::from_str(CONTRACT_JSON).expect("eks/contract.json is valid JSON")
    })
}

fn shape(name: &str) -> Option<&'static Value> {
    embedded_contract().get("shapes")?.get(name)
}

/// The values of an enum shape, such as `NodegroupIssueCode`.
pub(crate) fn enum_values(name: &str) -> Vec<&'static str> {
    shape(name)
        .and_then(|s| s.get("enum"))
        .and_then(Value::as_array)
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The HTTP status an error shape is modelled with (`httpStatusCode`), 400 when it has none.
pub(crate) fn error_status(code: &str) -> Option<u16> {
    let status = shape(code)?.get("error")?.get("httpStatusCode")?.as_u64()?;
    u16::try_from(status).ok()
}

/// The members of an error shape, such as `["clusterName", "message"]`.
pub(crate) fn error_members(code: &str) -> Vec<&'static str> {
    shape(code)
        .and_then(|s| s.get("members"))
        .and_then(Value::as_object)
        .map(|members| members.keys().map(String::as_str).collect())
        .unwrap_or_else(|| vec!["message"])
}

/// Checks `body` as the body of `operation`'s input; returns it without nulls.
pub(crate) fn check_body(operation: &str, body: &Value) -> Result<Value, EksError> {
    let contract = embedded_contract();
    let input = contract
        .get("operations")
        .and_then(|ops| ops.get(operation))
        .and_then(|op| op.get("input"))
        .and_then(Value::as_str)
        .ok_or_else(|| broken(format!("it has no operation {operation}")))?;
    structure(input, body, "", true)
}

fn broken(message: String) -> EksError {
    EksError::new(
        500,
        "ServerException",
        format!("The emulator's EKS contract is broken: {message}."),
    )
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn invalid(message: String) -> EksError {
    EksError::invalid(message)
}

/// A structure; at the top level only the members carried in the body count.
fn structure(name: &str, value: &Value, path: &str, top: bool) -> Result<Value, EksError> {
    let definition = shape(name).ok_or_else(|| broken(format!("it has no shape {name}")))?;
    let members = definition
        .get("members")
        .and_then(Value::as_object)
        .ok_or_else(|| broken(format!("shape {name} has no members")))?;
    let Value::Object(fields) = value else {
        let at = if path.is_empty() {
            "the request body"
        } else {
            path
        };
        return Err(invalid(format!(
            "1 validation error detected: Value at '{at}' failed to satisfy constraint: Member must be an object"
        )));
    };
    let in_body = |member: &Value| !top || member.get("location").is_none();
    let mut out = Map::new();
    for (key, field) in fields {
        let child = join(path, key);
        let member = match members.get(key) {
            Some(member) if in_body(member) => member,
            _ => {
                return Err(invalid(format!(
                    "Unknown parameter in the request body: \"{child}\", must be one of: {}",
                    members
                        .iter()
                        .filter(|(_, m)| in_body(m))
                        .map(|(k, _)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        };
        if field.is_null() {
            continue;
        }
        let target = member.get("shape").and_then(Value::as_str).unwrap_or("");
        out.insert(key.clone(), check(target, field, &child)?);
    }
    let required = definition
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    for key in required {
        if members.get(key).is_some_and(in_body) && !out.contains_key(key) {
            return Err(invalid(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                join(path, key)
            )));
        }
    }
    Ok(Value::Object(out))
}

fn check(name: &str, value: &Value, path: &str) -> Result<Value, EksError> {
    let definition = shape(name).ok_or_else(|| broken(format!("it has no shape {name}")))?;
    let kind = definition.get("type").and_then(Value::as_str).unwrap_or("");
    let wrong = |what: &str| {
        Err(invalid(format!(
            "1 validation error detected: Value at '{path}' failed to satisfy constraint: Member must be {what}"
        )))
    };
    match kind {
        "structure" => structure(name, value, path, false),
        "string" => {
            let Value::String(text) = value else {
                return wrong("a string");
            };
            if let Some(values) = definition.get("enum").and_then(Value::as_array) {
                if !values.iter().any(|v| v.as_str() == Some(text)) {
                    let set: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                    return Err(invalid(format!(
                        "1 validation error detected: Value '{text}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        set.join(", ")
                    )));
                }
            }
            Ok(value.clone())
        }
        "integer" | "long" => {
            let Some(number) = value.as_i64() else {
                return wrong("an integer");
            };
            let bound = |key: &str| definition.get(key).and_then(Value::as_i64);
            if let Some(min) = bound("min").filter(|min| number < *min) {
                return Err(invalid(format!(
                    "1 validation error detected: Value '{number}' at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
                )));
            }
            if let Some(max) = bound("max").filter(|max| number > *max) {
                return Err(invalid(format!(
                    "1 validation error detected: Value '{number}' at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}"
                )));
            }
            Ok(value.clone())
        }
        "boolean" if value.is_boolean() => Ok(value.clone()),
        "boolean" => wrong("a boolean"),
        "timestamp" if value.is_number() => Ok(value.clone()),
        "timestamp" => wrong("a timestamp in epoch seconds"),
        "list" => {
            let Value::Array(items) = value else {
                return wrong("a list");
            };
            let item = definition
                .get("member")
                .and_then(|m| m.get("shape"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let mut out = Vec::with_capacity(items.len());
            for (index, element) in items.iter().enumerate() {
                if element.is_null() {
                    return wrong("a list without nulls");
                }
                out.push(check(item, element, &format!("{path}.{}", index + 1))?);
            }
            Ok(Value::Array(out))
        }
        "map" => {
            let Value::Object(entries) = value else {
                return wrong("a map");
            };
            let part = |key: &str| {
                definition
                    .get(key)
                    .and_then(|m| m.get("shape"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            };
            let mut out = Map::new();
            for (key, entry) in entries {
                let entry_path = format!("{path}.{key}");
                check(part("key"), &Value::String(key.clone()), &entry_path)?;
                if entry.is_null() {
                    return wrong("a map without null values");
                }
                out.insert(key.clone(), check(part("value"), entry, &entry_path)?);
            }
            Ok(Value::Object(out))
        }
        other => Err(broken(format!("shape {name} has type {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_embedded_contract_is_the_node_group_surface_of_the_official_model() {
        let contract = embedded_contract();
        assert_eq!(contract["apiVersion"], "2017-11-01");
        assert_eq!(
            contract["operations"]["CreateNodegroup"]["uri"],
            "/clusters/{name}/node-groups"
        );
        assert_eq!(error_status("ResourceInUseException"), Some(409));
        assert_eq!(error_status("ThrottlingException"), Some(429));
        assert!(enum_values("TaintEffect").contains(&"NO_SCHEDULE"));
    }

    #[test]
    fn bodies_are_checked_member_by_member() {
        let ok = check_body(
            "CreateNodegroup",
            &json!({"nodegroupName": "a", "subnets": ["subnet-1"], "nodeRole": "r", "diskSize": null}),
        )
        .unwrap();
        assert_eq!(ok.get("diskSize"), None);
        let missing = check_body("CreateNodegroup", &json!({"nodegroupName": "a"})).unwrap_err();
        assert!(missing.message.contains("'subnets'"), "{}", missing.message);
        let unknown = check_body("UpdateNodegroupConfig", &json!({"diskSize": 30})).unwrap_err();
        assert!(
            unknown.message.contains("\"diskSize\""),
            "{}",
            unknown.message
        );
        let path_member = check_body("UpdateNodegroupConfig", &json!({"clusterName": "c"}));
        assert!(path_member.is_err());
        let bad_enum = check_body(
            "UpdateNodegroupConfig",
            &json!({"taints": {"addOrUpdateTaints": [{"key": "k", "effect": "NoSchedule"}]}}),
        )
        .unwrap_err();
        assert!(
            bad_enum
                .message
                .contains("taints.addOrUpdateTaints.1.effect"),
            "{}",
            bad_enum.message
        );
        let range = check_body(
            "UpdateNodegroupConfig",
            &json!({"scalingConfig": {"maxSize": 0}}),
        )
        .unwrap_err();
        assert!(
            range.message.contains("greater than or equal to 1"),
            "{}",
            range.message
        );
        let fraction = check_body(
            "UpdateNodegroupConfig",
            &json!({"scalingConfig": {"maxSize": 1.5}}),
        );
        assert!(fraction.is_err());
    }
}

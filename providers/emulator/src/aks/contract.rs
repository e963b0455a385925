//! Strict checking of AgentPool bodies against the pruned official model in `contract.json`
//! (written by `scripts/gen-aks-contract.py` from azure-mgmt-containerservice 41.8.0).
//!
//! Refused, with a 400 in ARM's shape: unknown properties (AKS's RP decodes with unknown fields
//! disallowed: "json: unknown field ..." in microsoft/azure_arc#3170), values of the wrong JSON
//! type (`UnmarshalError`, provider-apis.md §2.5) and enum values outside the known set.
//! Accepted and ignored, as ARM does: read-only properties (eTag, provisioningState...), which
//! are reported back so that callers can record them; and nulls, which mean "not set".
//!
//! Enums: the SDK types every one as extensible (`Union[str, Enum]`), which tells clients to
//! tolerate new values in responses; the RP itself only acts on values it knows. The emulator
//! therefore refuses unknown values of every enum in a request (choice), matching them without
//! case and storing the canonical spelling (choice: ARM enums are case-insensitive in the SDK).

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The pruned contract; see the module doc.
pub(crate) const CONTRACT_JSON: &str = include_str!("contract.json");

pub(crate) fn embedded_contract() -> &'static Value {
    static CONTRACT: OnceLock<Value> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        // Generated, checked by `--check` and parsed by a unit test: a failure is a build defect.
        serde_json::from_str(CONTRACT_JSON).expect("aks/contract.json is valid JSON")
    })
}

/// One refused body, as ARM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyError {
    pub code: &'static str,
    pub message: String,
    /// Dotted path of the offending property (`properties.nodeTaints[0]`); empty at the root.
    pub target: String,
}

/// A body that passed: its canonical form and the read-only properties it carried.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checked {
    /// Nulls and read-only properties dropped, enum values in their canonical spelling.
    pub body: Value,
    /// Paths of read-only properties the request set (and that were ignored).
    pub read_only: Vec<String>,
}

/// Checks `body` as an `AgentPool` of `contract`.
pub(crate) fn check_agent_pool(contract: &Value, body: &Value) -> Result<Checked, BodyError> {
    let walker = Walker::new(contract)?;
    let root = contract
        .get("root")
        .and_then(Value::as_str)
        .unwrap_or("AgentPool");
    let mut read_only = Vec::new();
    let body = walker.model(root, body, "", &mut read_only)?;
    Ok(Checked { body, read_only })
}

struct Walker<'a> {
    models: &'a Map<String, Value>,
    enums: &'a Map<String, Value>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn internal(message: String) -> BodyError {
    BodyError {
        code: "InternalServerError",
        message: format!("The emulator's AKS contract is broken: {message}."),
        target: String::new(),
    }
}

/// Go's name for a JSON value's kind, as in "json: cannot unmarshal string into ...".
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The Go type AKS decodes a property into, for messages.
fn go_type(property: &Value) -> String {
    if let Some(model) = property.get("$ref").and_then(Value::as_str) {
        return format!("api.{model}");
    }
    match property.get("type").and_then(Value::as_str) {
        Some("string") => "string".into(),
        Some("integer") => "int32".into(),
        Some("number") => "float64".into(),
        Some("boolean") => "bool".into(),
        Some("array") => format!(
            "[]{}",
            go_type(property.get("items").unwrap_or(&Value::Null))
        ),
        Some("object") => match property.get("additionalProperties") {
            Some(values) => format!("map[string]{}", go_type(values)),
            None => "map[string]interface {}".into(),
        },
        _ => "interface {}".into(),
    }
}

impl<'a> Walker<'a> {
    fn new(contract: &'a Value) -> Result<Self, BodyError> {
        let section = |name: &str| {
            contract
                .get(name)
                .and_then(Value::as_object)
                .ok_or_else(|| internal(format!("it has no {name:?} object")))
        };
        Ok(Walker {
            models: section("models")?,
            enums: section("enums")?,
        })
    }

    fn model(
        &self,
        name: &str,
        value: &Value,
        path: &str,
        read_only: &mut Vec<String>,
    ) -> Result<Value, BodyError> {
        let properties = self
            .models
            .get(name)
            .and_then(|m| m.get("properties"))
            .and_then(Value::as_object)
            .ok_or_else(|| internal(format!("it has no model {name:?}")))?;
        let Value::Object(fields) = value else {
            return Err(type_error(path, value, &format!("api.{name}")));
        };
        let mut out = Map::new();
        for (key, field) in fields {
            let child = join(path, key);
            let Some(property) = properties.get(key) else {
                return Err(BodyError {
                    code: "InvalidRequestContent",
                    message: format!(
                        "Invalid request body. Converting request body to an agent pool encountered error: json: unknown field \"{key}\". Check that the field is in the right location, is spelled correctly, and is supported in the API version. Visit aka.ms/aks/apiversions for more API version information."
                    ),
                    target: child,
                });
            };
            if field.is_null() {
                continue;
            }
            if property.get("readOnly").and_then(Value::as_bool) == Some(true) {
                read_only.push(child);
                continue;
            }
            out.insert(key.clone(), self.value(property, field, &child, read_only)?);
        }
        Ok(Value::Object(out))
    }

    fn value(
        &self,
        property: &Value,
        value: &Value,
        path: &str,
        read_only: &mut Vec<String>,
    ) -> Result<Value, BodyError> {
        if let Some(model) = property.get("$ref").and_then(Value::as_str) {
            return self.model(model, value, path, read_only);
        }
        let wrong = || Err(type_error(path, value, &go_type(property)));
        match property.get("type").and_then(Value::as_str) {
            Some("string") => {
                let Value::String(text) = value else {
                    return wrong();
                };
                match property.get("enum").and_then(Value::as_str) {
                    Some(enum_name) => self.enum_value(enum_name, text, path),
                    None => Ok(value.clone()),
                }
            }
            // Go refuses 3.0 or 3.5 for an int32, so only whole JSON numbers pass.
            Some("integer") if value.is_i64() || value.is_u64() => Ok(value.clone()),
            Some("number") if value.is_number() => Ok(value.clone()),
            Some("boolean") if value.is_boolean() => Ok(value.clone()),
            Some("array") => {
                let Value::Array(items) = value else {
                    return wrong();
                };
                let item = property.get("items").unwrap_or(&Value::Null);
                let mut out = Vec::with_capacity(items.len());
                for (index, element) in items.iter().enumerate() {
                    let element_path = format!("{path}[{index}]");
                    out.push(self.value(item, element, &element_path, read_only)?);
                }
                Ok(Value::Array(out))
            }
            Some("object") => {
                let Value::Object(entries) = value else {
                    return wrong();
                };
                let Some(values) = property.get("additionalProperties") else {
                    return Ok(value.clone());
                };
                let mut out = Map::new();
                for (key, entry) in entries {
                    let entry_path = format!("{path}.{key}");
                    out.insert(
                        key.clone(),
                        self.value(values, entry, &entry_path, read_only)?,
                    );
                }
                Ok(Value::Object(out))
            }
            // A property typed `Any` takes whatever JSON comes.
            None => Ok(value.clone()),
            Some(_) => wrong(),
        }
    }

    fn enum_value(&self, enum_name: &str, text: &str, path: &str) -> Result<Value, BodyError> {
        let known: Vec<&str> = self
            .enums
            .get(enum_name)
            .and_then(Value::as_array)
            .map(|values| values.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match known.iter().find(|k| k.eq_ignore_ascii_case(text)) {
            Some(canonical) => Ok(Value::String((*canonical).to_string())),
            None => Err(BodyError {
                code: "InvalidParameter",
                message: format!(
                    "The value of parameter {path} is invalid: '{text}' is not one of {}.",
                    known.join(", ")
                ),
                target: path.to_string(),
            }),
        }
    }
}

fn type_error(path: &str, value: &Value, go_type: &str) -> BodyError {
    let field = if path.is_empty() { "AgentPool" } else { path };
    BodyError {
        code: "UnmarshalError",
        message: format!(
            "Invalid request body. Converting request body to an agent pool encountered error: json: cannot unmarshal {} into Go struct field {field} of type {go_type}.",
            kind(value)
        ),
        target: path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(body: Value) -> Result<Checked, BodyError> {
        check_agent_pool(embedded_contract(), &body)
    }

    #[test]
    fn the_embedded_contract_is_the_agent_pool_model_of_the_pinned_sdk() {
        let contract = embedded_contract();
        assert_eq!(contract["apiVersion"], "2026-08-01");
        assert_eq!(contract["packageVersion"], "41.8.0");
        let properties =
            &contract["models"]["AgentPoolManagedClusterAgentPoolProfileProperties"]["properties"];
        assert_eq!(properties["eTag"]["readOnly"], true);
        assert_eq!(properties["nodeTaints"]["type"], "array");
    }

    #[test]
    fn canonical_bodies_drop_nulls_and_read_only_properties_and_spell_enums_canonically() {
        let checked = check(json!({
            "name": "p", "properties": {"mode": "user", "count": 2, "maxCount": null, "eTag": "x", "provisioningState": "Succeeded"}
        }))
        .unwrap();
        assert_eq!(
            checked.body,
            json!({"properties": {"mode": "User", "count": 2}})
        );
        assert_eq!(
            checked.read_only,
            vec!["name", "properties.eTag", "properties.provisioningState"]
        );
    }

    #[test]
    fn unknown_names_wrong_types_and_unknown_enum_values_are_refused() {
        let unknown = check(json!({"properties": {"vmsize": "x"}})).unwrap_err();
        assert_eq!(
            (unknown.code, unknown.target.as_str()),
            ("InvalidRequestContent", "properties.vmsize")
        );
        let wrong = check(json!({"properties": {"nodeTaints": "a=b:NoSchedule"}})).unwrap_err();
        assert_eq!(wrong.code, "UnmarshalError");
        assert!(wrong.message.contains("cannot unmarshal string into Go struct field properties.nodeTaints of type []string"), "{}", wrong.message);
        let fraction = check(json!({"properties": {"count": 2.5}})).unwrap_err();
        assert_eq!(fraction.code, "UnmarshalError");
        let bad_enum = check(json!({"properties": {"osSKU": "Debian"}})).unwrap_err();
        assert_eq!(
            (bad_enum.code, bad_enum.target.as_str()),
            ("InvalidParameter", "properties.osSKU")
        );
        let root = check(json!([])).unwrap_err();
        assert_eq!(root.code, "UnmarshalError");
    }
}

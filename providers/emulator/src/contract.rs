//! Strict validation of GKE request bodies against a Google discovery document.
//! Rejects what Google's JSON transcoder rejects, with its messages, and returns the body in canonical form.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The pruned contract written by `scripts/gen-gke-contract.py`: the schemas reachable from the
/// node-pool request messages of the official `container.v1.json`.
pub(crate) const CONTRACT_JSON: &str = include_str!("gke/contract.json");

pub(crate) fn embedded_contract() -> &'static Value {
    static CONTRACT: OnceLock<Value> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        // The file is generated and checked by a unit test, so a parse failure is a build defect.
        serde_json::from_str(CONTRACT_JSON).expect("gke/contract.json is valid JSON")
    })
}

/// One rejected field, as Google reports it in `google.rpc.BadRequest.fieldViolations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// snake_case path of the offending field; empty at the root, where Google omits it.
    pub field: String,
    pub message: String,
}

/// Validates `body` as the message `schema_name` of `contract` (a discovery document) and returns
/// it canonicalised: camelCase keys, int64 as strings, int32 as numbers, enums by name, and
/// fields holding proto3 defaults (null, false, 0, "", empty list or map, enum zero) dropped.
pub(crate) fn canonicalize(
    contract: &Value,
    schema_name: &str,
    body: &Value,
) -> Result<Value, Violation> {
    let walker = Walker::new(contract)?;
    if !body.is_object() {
        return Err(Violation {
            field: String::new(),
            message:
                "Invalid JSON payload received. Unknown name \"\": Root element must be a message."
                    .to_string(),
        });
    }
    walker.message(schema_name, body, "")
}

struct Walker<'a> {
    schemas: &'a Map<String, Value>,
    /// Proto package of the API, for the type URLs in messages (`google.container.v1`).
    package: String,
}

impl<'a> Walker<'a> {
    fn new(contract: &'a Value) -> Result<Self, Violation> {
        let schemas = contract
            .get("schemas")
            .and_then(Value::as_object)
            .ok_or_else(|| internal("the contract has no \"schemas\" object"))?;
        let name = contract
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("container");
        let version = contract
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("v1");
        Ok(Walker {
            schemas,
            package: format!("google.{name}.{version}"),
        })
    }

    fn message(&self, schema_name: &str, value: &Value, path: &str) -> Result<Value, Violation> {
        let schema = self
            .schemas
            .get(schema_name)
            .ok_or_else(|| internal(&format!("the contract has no schema {schema_name:?}")))?;
        let Value::Object(fields) = value else {
            return Err(invalid_value(path, &self.message_type(schema_name), value));
        };
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut out = Map::new();
        for (key, field_value) in fields {
            // Google's transcoder accepts the proto field name as well as its JSON (camelCase) name.
            let json_name = if properties.contains_key(key) {
                key.clone()
            } else {
                let camel = snake_to_camel(key);
                if key.contains('_') && properties.contains_key(&camel) {
                    camel
                } else {
                    return Err(unknown_name(key, path));
                }
            };
            if field_value.is_null() {
                continue;
            }
            let property = &properties[&json_name];
            let child = join(path, &camel_to_snake(&json_name));
            let canonical =
                self.field(schema_name, &json_name, property, field_value, &child, path)?;
            // Proto3 keeps no trace of a default scalar, empty list or empty map: such a field is
            // "not set", both for what the request means and for what GKE shows back.
            if !is_proto_default(&canonical, property) {
                out.insert(json_name, canonical);
            }
        }
        Ok(Value::Object(out))
    }

    fn field(
        &self,
        owner: &str,
        json_name: &str,
        property: &Value,
        value: &Value,
        path: &str,
        parent: &str,
    ) -> Result<Value, Violation> {
        let is_array = property.get("type").and_then(Value::as_str) == Some("array");
        if value.is_array() && !is_array && !is_any(property) {
            return Err(Violation {
                field: parent.to_string(),
                message: format!(
                    "Invalid JSON payload received. Unknown name \"{json_name}\"{}: Proto field is not repeating, cannot start list.",
                    at(parent)
                ),
            });
        }
        if is_array {
            let items = property.get("items").unwrap_or(&Value::Null);
            let Value::Array(elements) = value else {
                return Err(invalid_value(
                    path,
                    &self.type_label(owner, json_name, items),
                    value,
                ));
            };
            let mut out = Vec::with_capacity(elements.len());
            for (index, element) in elements.iter().enumerate() {
                let element_path = format!("{path}[{index}]");
                if element.is_null() || element.is_array() {
                    return Err(invalid_value(
                        &element_path,
                        &self.type_label(owner, json_name, items),
                        element,
                    ));
                }
                out.push(self.single(owner, json_name, items, element, &element_path)?);
            }
            return Ok(Value::Array(out));
        }
        self.single(owner, json_name, property, value, path)
    }

    /// One non-repeated value: a message, a map, or a scalar.
    fn single(
        &self,
        owner: &str,
        json_name: &str,
        property: &Value,
        value: &Value,
        path: &str,
    ) -> Result<Value, Violation> {
        if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
            return self.message(reference, value, path);
        }
        match property.get("type").and_then(Value::as_str) {
            Some("object") => {
                let Some(value_type) = property.get("additionalProperties") else {
                    // A free-form object (google.protobuf.Struct): anything goes.
                    return match value {
                        Value::Object(_) => Ok(value.clone()),
                        other => Err(invalid_value(
                            path,
                            "type.googleapis.com/google.protobuf.Struct",
                            other,
                        )),
                    };
                };
                let Value::Object(entries) = value else {
                    return Err(invalid_value(
                        path,
                        &self.type_label(owner, json_name, property),
                        value,
                    ));
                };
                let mut out = Map::new();
                for (key, entry) in entries {
                    let entry_path = format!("{path}[{key}]");
                    if entry.is_null() || entry.is_array() {
                        return Err(invalid_value(
                            &entry_path,
                            &self.type_label(owner, json_name, value_type),
                            entry,
                        ));
                    }
                    out.insert(
                        key.clone(),
                        self.single(owner, json_name, value_type, entry, &entry_path)?,
                    );
                }
                Ok(Value::Object(out))
            }
            Some("any") | None => Ok(value.clone()),
            Some(_) => self.scalar(owner, json_name, property, value, path),
        }
    }

    fn scalar(
        &self,
        owner: &str,
        json_name: &str,
        property: &Value,
        value: &Value,
        path: &str,
    ) -> Result<Value, Violation> {
        let kind = property.get("type").and_then(Value::as_str).unwrap_or("");
        let format = property.get("format").and_then(Value::as_str).unwrap_or("");
        let bad = || invalid_value(path, &self.type_label(owner, json_name, property), value);
        if let Some(symbols) = property.get("enum").and_then(Value::as_array) {
            return match value {
                Value::String(s) if symbols.iter().any(|e| e.as_str() == Some(s)) => {
                    Ok(value.clone())
                }
                // Proto JSON also accepts an enum's number.
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|i| symbols.get(usize::try_from(i).ok()?))
                    .cloned()
                    .ok_or_else(bad),
                _ => Err(bad()),
            };
        }
        match (kind, format) {
            ("boolean", _) => value.is_boolean().then(|| value.clone()).ok_or_else(bad),
            ("integer", "int32") => integer(value, i64::from(i32::MIN), i64::from(i32::MAX))
                .map(Value::from)
                .ok_or_else(bad),
            ("integer", "uint32") => integer(value, 0, i64::from(u32::MAX))
                .map(Value::from)
                .ok_or_else(bad),
            ("integer", _) => integer(value, i64::MIN, i64::MAX)
                .map(Value::from)
                .ok_or_else(bad),
            ("string", "int64") => integer(value, i64::MIN, i64::MAX)
                .map(|i| Value::String(i.to_string()))
                .ok_or_else(bad),
            ("string", "uint64") => unsigned(value)
                .map(|i| Value::String(i.to_string()))
                .ok_or_else(bad),
            ("number", _) => number(value).then(|| value.clone()).ok_or_else(bad),
            ("string", "google-duration") => match value {
                Value::String(s) if is_duration(s) => Ok(value.clone()),
                _ => Err(bad()),
            },
            ("string", "google-datetime") => match value {
                Value::String(s) if is_timestamp(s) => Ok(value.clone()),
                _ => Err(bad()),
            },
            ("string", _) => value.is_string().then(|| value.clone()).ok_or_else(bad),
            _ => Ok(value.clone()),
        }
    }

    fn message_type(&self, schema_name: &str) -> String {
        format!("type.googleapis.com/{}.{schema_name}", self.package)
    }

    /// The type named in "Invalid value" messages: a proto scalar type or a type URL.
    fn type_label(&self, owner: &str, json_name: &str, property: &Value) -> String {
        if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
            return self.message_type(reference);
        }
        if let Some(symbols) = property.get("enum").and_then(Value::as_array) {
            return format!(
                "type.googleapis.com/{}.{}",
                self.package,
                enum_name(owner, json_name, symbols)
            );
        }
        let kind = property.get("type").and_then(Value::as_str).unwrap_or("");
        let format = property.get("format").and_then(Value::as_str).unwrap_or("");
        match (kind, format) {
            ("boolean", _) => "TYPE_BOOL".into(),
            ("integer", "uint32") => "TYPE_UINT32".into(),
            ("integer", _) => "TYPE_INT32".into(),
            ("string", "int64") => "TYPE_INT64".into(),
            ("string", "uint64") => "TYPE_UINT64".into(),
            ("string", "byte") => "TYPE_BYTES".into(),
            ("string", "google-duration") => "type.googleapis.com/google.protobuf.Duration".into(),
            ("string", "google-datetime") => "type.googleapis.com/google.protobuf.Timestamp".into(),
            ("number", "float") => "TYPE_FLOAT".into(),
            ("number", _) => "TYPE_DOUBLE".into(),
            ("object", _) => format!(
                "type.googleapis.com/{}.{owner}.{}Entry",
                self.package,
                pascal(json_name)
            ),
            _ => "TYPE_STRING".into(),
        }
    }
}

/// Proto enum name recovered from the discovery document, which does not carry it: enums follow
/// the `<NAME>_UNSPECIFIED` convention, and one named after its field is nested in its message.
fn enum_name(owner: &str, json_name: &str, symbols: &[Value]) -> String {
    let field = pascal(json_name);
    let from_symbol = symbols
        .first()
        .and_then(Value::as_str)
        .and_then(|s| s.strip_suffix("_UNSPECIFIED"))
        .map(|prefix| prefix.split('_').map(capitalize_lower).collect::<String>());
    match from_symbol {
        Some(name) if name != field && !name.is_empty() => name,
        _ => format!("{owner}.{field}"),
    }
}

fn is_proto_default(value: &Value, property: &Value) -> bool {
    if property.get("$ref").is_some() || is_any(property) {
        return false;
    }
    let format = property.get("format").and_then(Value::as_str).unwrap_or("");
    let first_symbol = property
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first());
    match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => {
            s.is_empty()
                || (matches!(format, "int64" | "uint64") && s == "0")
                || first_symbol.and_then(Value::as_str) == Some(s.as_str())
        }
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty() && property.get("additionalProperties").is_some(),
        Value::Null => true,
    }
}

fn is_any(property: &Value) -> bool {
    property.get("type").and_then(Value::as_str) == Some("any")
}

fn integer(value: &Value, min: i64, max: i64) -> Option<i64> {
    let parsed = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            // Proto JSON accepts an integral float such as 3.0 or 1e2 for an integer field.
            (f.fract() == 0.0 && f >= i64::MIN as f64 && f <= i64::MAX as f64).then_some(f as i64)
        })?,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    (min..=max).contains(&parsed).then_some(parsed)
}

fn unsigned(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

fn number(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::String(s) => {
            matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity")
                || s.trim().parse::<f64>().is_ok()
        }
        _ => false,
    }
}

/// `google.protobuf.Duration` in JSON: seconds with up to nine fractional digits and an `s`.
fn is_duration(s: &str) -> bool {
    let Some(number) = s.strip_suffix('s') else {
        return false;
    };
    let number = number.strip_prefix('-').unwrap_or(number);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 9
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// RFC 3339 as `google.protobuf.Timestamp` takes it: `2024-01-02T03:04:05[.frac](Z|±hh:mm)`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.len() == range.len() && d.iter().all(u8::is_ascii_digit))
    };
    if b.len() < 20
        || !(digits(0..4)
            && digits(5..7)
            && digits(8..10)
            && digits(11..13)
            && digits(14..16)
            && digits(17..19))
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

fn unknown_name(key: &str, path: &str) -> Violation {
    Violation {
        field: path.to_string(),
        message: format!(
            "Invalid JSON payload received. Unknown name \"{key}\"{}: Cannot find field.",
            at(path)
        ),
    }
}

fn invalid_value(path: &str, type_label: &str, value: &Value) -> Violation {
    let shown = serde_json::to_string(value).unwrap_or_default();
    Violation {
        field: path.to_string(),
        message: format!("Invalid value at '{path}' ({type_label}), {shown}"),
    }
}

fn internal(message: &str) -> Violation {
    Violation {
        field: String::new(),
        message: format!("invalid contract: {message}"),
    }
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at '{path}'")
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// JSON name to proto field name, which is what Google's error paths use.
pub(crate) fn camel_to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn snake_to_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn capitalize_lower(word: &str) -> String {
    pascal(&word.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: &str, body: Value) -> Result<Value, Violation> {
        canonicalize(embedded_contract(), schema, &body)
    }

    #[test]
    fn embedded_contract_parses_and_names_its_source() {
        let contract = embedded_contract();
        assert_eq!(contract["id"], "container:v1");
        assert!(contract["schemas"]["NodePool"]["properties"]["config"].is_object());
    }

    #[test]
    fn unknown_field_reports_the_enclosing_message() {
        let err = check(
            "CreateNodePoolRequest",
            json!({"nodePool": {"config": {"fooBar": 1}}}),
        )
        .unwrap_err();
        assert_eq!(err.field, "node_pool.config");
        assert_eq!(
            err.message,
            "Invalid JSON payload received. Unknown name \"fooBar\" at 'node_pool.config': Cannot find field."
        );
        let err = check("CreateNodePoolRequest", json!({"pool": {}})).unwrap_err();
        assert_eq!(err.field, "");
        assert_eq!(
            err.message,
            "Invalid JSON payload received. Unknown name \"pool\": Cannot find field."
        );
    }

    #[test]
    fn enum_and_scalar_types_are_checked() {
        let err = check(
            "CreateNodePoolRequest",
            json!({"nodePool": {"config": {"taints": [{"key": "a", "effect": "NoSchedule"}]}}}),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value at 'node_pool.config.taints[0].effect' (type.googleapis.com/google.container.v1.NodeTaint.Effect), \"NoSchedule\""
        );
        let err = check(
            "CreateNodePoolRequest",
            json!({"nodePool": {"initialNodeCount": "abc"}}),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value at 'node_pool.initial_node_count' (TYPE_INT32), \"abc\""
        );
        let err = check(
            "CreateNodePoolRequest",
            json!({"nodePool": {"config": {"spot": "true"}}}),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value at 'node_pool.config.spot' (TYPE_BOOL), \"true\""
        );
        let err = check(
            "CreateNodePoolRequest",
            json!({"nodePool": {"config": {"labels": {"a": 1}}}}),
        )
        .unwrap_err();
        assert_eq!(err.field, "node_pool.config.labels[a]");
        let err = check(
            "CreateNodePoolRequest",
            json!({"nodePool": {"upgradeSettings": {"strategy": "ROLLING"}}}),
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("google.container.v1.NodePoolUpdateStrategy"),
            "{}",
            err.message
        );
        let err = check(
            "CreateNodePoolRequest",
            json!({"nodePool": {"name": ["a"]}}),
        )
        .unwrap_err();
        assert!(
            err.message.contains("Proto field is not repeating"),
            "{}",
            err.message
        );
        let err = check("CreateNodePoolRequest", json!([])).unwrap_err();
        assert!(err.message.contains("Root element must be a message"));
    }

    #[test]
    fn canonical_form_uses_json_names_and_proto3_number_rules() {
        let out = check(
            "CreateNodePoolRequest",
            json!({"node_pool": {"initialNodeCount": "3", "maxPodsConstraint": {"maxPodsPerNode": 64},
                   "management": {"autoRepair": false},
                   "config": {"accelerators": [{"acceleratorCount": 1}], "diskType": null, "spot": false,
                              "labels": {}, "tags": [], "diskSizeGb": 0,
                              "taints": [{"key": "k", "effect": 1}, {"key": "z", "effect": "EFFECT_UNSPECIFIED"}]}}}),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"nodePool": {"initialNodeCount": 3, "maxPodsConstraint": {"maxPodsPerNode": "64"},
                   "management": {},
                   "config": {"accelerators": [{"acceleratorCount": "1"}],
                              "taints": [{"key": "k", "effect": "NO_SCHEDULE"}, {"key": "z"}]}}})
        );
    }

    /// The official document lives outside the repository (in the shared specs, or where
    /// `POOLCTL_GKE_DISCOVERY` says), so these tests skip when it is absent, except under
    /// CI, where a skip line is one nobody reads.
    fn official_contract() -> Option<(std::path::PathBuf, Value)> {
        let path = match std::env::var_os("POOLCTL_GKE_DISCOVERY").filter(|p| !p.is_empty()) {
            Some(path) => std::path::PathBuf::from(path),
            None => std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/api-specs/gke/container.v1.json"),
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
            assert!(
                !ci,
                "{} is absent and CI is true: the contract test cannot skip in CI",
                path.display()
            );
            eprintln!("skipped: {} is absent", path.display());
            return None;
        };
        Some((
            path,
            serde_json::from_str(&text).expect("container.v1.json is JSON"),
        ))
    }

    /// The prune of scripts/gen-gke-contract.py, restated: the request roots and their `$ref` closure,
    /// keeping type/format/$ref/items/additionalProperties/enum per property.
    fn prune(doc: &Value) -> Value {
        fn prune_property(p: &Value) -> Value {
            let mut out = Map::new();
            for key in [
                "type",
                "format",
                "$ref",
                "items",
                "additionalProperties",
                "enum",
            ] {
                if let Some(v) = p.get(key) {
                    let v = if matches!(key, "items" | "additionalProperties") && v.is_object() {
                        prune_property(v)
                    } else {
                        v.clone()
                    };
                    out.insert(key.to_string(), v);
                }
            }
            Value::Object(out)
        }
        fn refs(p: &Value, out: &mut Vec<String>) {
            if let Some(r) = p.get("$ref").and_then(Value::as_str) {
                out.push(r.to_string());
            }
            for key in ["items", "additionalProperties"] {
                if let Some(inner) = p.get(key).filter(|v| v.is_object()) {
                    refs(inner, out);
                }
            }
        }
        let roots = embedded_contract()["roots"].clone();
        let schemas = &doc["schemas"];
        let mut pending: Vec<String> = roots
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(name) = pending.pop() {
            if seen.insert(name.clone()) {
                for p in schemas[&name]["properties"].as_object().unwrap().values() {
                    refs(p, &mut pending);
                }
            }
        }
        let mut pruned = Map::new();
        for name in seen {
            let schema = &schemas[&name];
            let properties: Map<String, Value> = schema["properties"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, p)| (k.clone(), prune_property(p)))
                .collect();
            pruned.insert(
                name.clone(),
                serde_json::json!({"id": schema["id"], "type": schema["type"], "properties": properties}),
            );
        }
        serde_json::json!({
            "_generated": format!(
                "Generated by scripts/gen-gke-contract.py from the official GKE discovery document ({} revision {}); do not edit by hand.",
                doc["id"].as_str().unwrap(), doc["revision"].as_str().unwrap()
            ),
            "discoveryVersion": doc["discoveryVersion"],
            "id": doc["id"],
            "name": doc["name"],
            "revision": doc["revision"],
            "version": doc["version"],
            "roots": roots,
            "schemas": pruned,
        })
    }

    #[test]
    fn committed_contract_is_the_prune_of_the_official_document() {
        let Some((path, official)) = official_contract() else {
            return;
        };
        assert_eq!(
            &prune(&official),
            embedded_contract(),
            "src/gke/contract.json is stale: run python3 scripts/gen-gke-contract.py"
        );
        // Byte for byte too, when the generator itself can run.
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scripts/gen-gke-contract.py");
        match std::process::Command::new("python3")
            .arg(&script)
            .arg("--spec")
            .arg(&path)
            .args(["--out", "-"])
            .output()
        {
            Ok(out) if out.status.success() => {
                assert!(
                    String::from_utf8_lossy(&out.stdout) == CONTRACT_JSON,
                    "src/gke/contract.json differs from the generator's output: run python3 scripts/gen-gke-contract.py"
                );
            }
            Ok(out) => panic!(
                "gen-gke-contract.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("skipped the byte comparison: cannot run python3: {e}"),
        }
    }

    #[test]
    fn the_full_official_document_validates_like_the_pruned_one() {
        let Some((_, official)) = official_contract() else {
            return;
        };
        let bodies = [
            (
                "CreateNodePoolRequest",
                serde_json::json!({"nodePool": {"name": "a", "config": {"machineType": "e2-standard-4"}}}),
            ),
            (
                "CreateNodePoolRequest",
                serde_json::json!({"nodePool": {"config": {"fooBar": 1}}}),
            ),
            (
                "UpdateNodePoolRequest",
                serde_json::json!({"taints": {"taints": [{"key": "a", "effect": "NoSchedule"}]}}),
            ),
            (
                "SetNodePoolSizeRequest",
                serde_json::json!({"nodeCount": "x"}),
            ),
            (
                "SetNodePoolAutoscalingRequest",
                serde_json::json!({"autoscaling": {"enabled": true, "maxNodeCount": 3}}),
            ),
        ];
        for (schema, body) in bodies {
            assert_eq!(
                canonicalize(&official, schema, &body),
                canonicalize(embedded_contract(), schema, &body),
                "{schema} {body}"
            );
        }
    }

    #[test]
    fn durations_and_timestamps() {
        assert!(
            is_duration("3.5s") && is_duration("-1s") && !is_duration("3m") && !is_duration("s")
        );
        assert!(is_timestamp("2024-01-02T03:04:05Z"));
        assert!(is_timestamp("2024-01-02T03:04:05.123+01:00"));
        assert!(!is_timestamp("2024-01-02 03:04:05"));
    }
}

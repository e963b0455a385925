//! A third, independent reading of GKE's official discovery document (container.v1.json)
//! for the tests: finds a call's method in the document's own method table and walks its
//! request or response schema by hand with serde_json. It shares no code with the emulator
//! (which validates with its own walker) or the GKE provider (which has typed structs), so
//! a misreading of the contract by either of them shows up here as a third opinion.

use serde_json::{Map, Value};
use std::path::PathBuf;

/// Where the document lives, relative to the repository root.
pub const DOCUMENT: &str = "../shared/api-specs/gke/container.v1.json";

/// The document's path on this machine: `POOLCTL_GKE_DISCOVERY` when set (.ci/run sets it
/// to the same file taken from its PyPI package when the shared folder is absent), else
/// the shared folder beside the repository.
pub fn document_path() -> PathBuf {
    match std::env::var_os("POOLCTL_GKE_DISCOVERY").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DOCUMENT),
    }
}

/// What to do when the document is absent. Under CI (`CI=true`, or `1`) a check nobody
/// reads the skip line of would pass silently, so it is an error there; elsewhere (a checkout without
/// the shared folder) it is a skip, with the reason.
pub fn when_absent(ci: Option<&str>) -> Result<(), String> {
    let in_ci = ci.is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    if in_ci {
        Err(format!(
            "{DOCUMENT} is missing and CI is true: the GKE contract check cannot be \
             skipped in CI; put the official discovery document beside the repository"
        ))
    } else {
        Ok(())
    }
}

/// Which way a body travels. Output-only fields may come back but must not be sent, and
/// the document's "Required." fields matter only on the way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// What a walk found: failures break the contract; warnings are the document's
/// "Required." fields a request leaves out (and deprecated fields it sends), which the
/// real API may or may not enforce, so they are listed rather than failed.
#[derive(Debug, Default, Clone)]
pub struct Findings {
    pub failures: Vec<String>,
    pub warnings: Vec<String>,
}

/// One method of the document's table, as far as the checks need it.
#[derive(Debug, Clone, Copy)]
pub struct Method<'a> {
    pub id: &'a str,
    pub flat_path: &'a str,
    pub request: Option<&'a str>,
    pub response: Option<&'a str>,
    raw: &'a Value,
}

impl Method<'_> {
    /// Whether `name` is a query parameter this method, or every method, takes.
    pub fn takes_query_parameter(&self, doc: &Discovery, name: &str) -> bool {
        let declared = |params: &Value| {
            params
                .get(name)
                .is_some_and(|p| p["location"].as_str().unwrap_or("query") == "query")
        };
        declared(&self.raw["parameters"]) || declared(&doc.doc["parameters"])
    }
}

/// The parsed discovery document.
pub struct Discovery {
    doc: Value,
}

impl Discovery {
    /// Reads the document; `Ok(None)` when it is absent.
    pub fn read(path: &std::path::Path) -> Result<Option<Discovery>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {DOCUMENT}: {e}")),
        };
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{DOCUMENT} is not JSON: {e}"))?;
        Discovery::from_value(doc).map(Some)
    }

    /// Wraps a parsed document, refusing one without the tables the checks read.
    pub fn from_value(doc: Value) -> Result<Discovery, String> {
        if !doc["schemas"].is_object() || !doc["resources"].is_object() {
            return Err(format!(
                "{DOCUMENT} has no `schemas` or `resources`: not a discovery document"
            ));
        }
        Ok(Discovery { doc })
    }

    /// `container.v1 revision 20261027`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} revision {}",
            self.doc["id"].as_str().unwrap_or("?"),
            self.doc["revision"].as_str().unwrap_or("?")
        )
    }

    /// The one method whose HTTP verb and path template match a request, from the
    /// document's own method table (not from a list of the calls poolctl makes).
    pub fn method(&self, verb: &str, path: &str) -> Result<Method<'_>, String> {
        let mut found = Vec::new();
        collect_methods(&self.doc["resources"], &mut found);
        let matching: Vec<Method<'_>> = found
            .into_iter()
            .filter(|m| m["httpMethod"].as_str() == Some(verb))
            .filter(|m| {
                m["flatPath"]
                    .as_str()
                    .is_some_and(|t| path_matches(t, path))
            })
            .map(|m| Method {
                id: m["id"].as_str().unwrap_or("?"),
                flat_path: m["flatPath"].as_str().unwrap_or("?"),
                request: m["request"]["$ref"].as_str(),
                response: m["response"]["$ref"].as_str(),
                raw: m,
            })
            .collect();
        match matching.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!(
                "{verb} {path} is not a method of {}",
                self.describe()
            )),
            many => Err(format!(
                "{verb} {path} matches several methods of {}: {}",
                self.describe(),
                many.iter().map(|m| m.id).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// Walks `body` against the schema `schema` of the document.
    pub fn check_body(&self, schema: &str, body: &Value, direction: Direction) -> Findings {
        let mut walk = Walk {
            schemas: self.doc["schemas"].as_object(),
            direction,
            findings: Findings::default(),
        };
        walk.message(schema, body, "");
        walk.findings
    }
}

fn collect_methods<'a>(resources: &'a Value, out: &mut Vec<&'a Value>) {
    let Some(resources) = resources.as_object() else {
        return;
    };
    for resource in resources.values() {
        if let Some(methods) = resource["methods"].as_object() {
            out.extend(methods.values());
        }
        collect_methods(&resource["resources"], out);
    }
}

/// Matches a `flatPath` such as `v1/projects/{projectsId}/.../{nodePoolsId}:setSize`
/// against a request path such as `/v1/projects/acme/.../gpu:setSize`.
fn path_matches(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| segment_matches(t, p))
}

/// A template segment is a literal, `{var}`, or `{var}:verb`; a variable never swallows a
/// custom verb, so `pool:setSize` does not match a plain `{nodePoolsId}`.
fn segment_matches(template: &str, segment: &str) -> bool {
    if !template.starts_with('{') {
        return template == segment;
    }
    match template.split_once("}:") {
        Some((_, verb)) => segment
            .rsplit_once(':')
            .is_some_and(|(value, v)| v == verb && !value.is_empty() && !value.contains(':')),
        None => !segment.is_empty() && !segment.contains(':'),
    }
}

/// A walk of one body, collecting what breaks the contract with a JSON path to it.
struct Walk<'a> {
    schemas: Option<&'a Map<String, Value>>,
    direction: Direction,
    findings: Findings,
}

impl Walk<'_> {
    fn fail(&mut self, at: &str, why: String) {
        let at = if at.is_empty() { "(body)" } else { at };
        self.findings.failures.push(format!("{at}: {why}"));
    }

    /// A value that must be the message (object schema) `name`.
    fn message(&mut self, name: &str, value: &Value, at: &str) {
        let Some(schema) = self.schemas.and_then(|s| s.get(name)) else {
            self.fail(at, format!("the document defines no schema {name}"));
            return;
        };
        let Value::Object(fields) = value else {
            self.fail(
                at,
                format!("expected a {name} object, found {}", kind_of(value)),
            );
            return;
        };
        let empty = Map::new();
        let properties = schema["properties"].as_object().unwrap_or(&empty);
        for (key, value) in fields {
            let here = join(at, key);
            let Some(property) = properties.get(key) else {
                self.fail(&here, format!("unknown field: {name} has no `{key}`"));
                continue;
            };
            if self.direction == Direction::Request {
                if output_only(property) {
                    self.fail(
                        &here,
                        format!(
                            "output-only field sent: the document marks {name}.{key} output only"
                        ),
                    );
                }
                if property["deprecated"] == Value::Bool(true) {
                    self.findings.warnings.push(format!(
                        "{name}.{key} is sent but the document marks it deprecated"
                    ));
                }
            }
            self.property(property, value, &here);
        }
        if self.direction == Direction::Request {
            for (key, property) in properties {
                if documented_required(property) && !fields.contains_key(key) {
                    self.findings.warnings.push(format!(
                        "{name}.{key} is documented \"Required.\" but the body omits it"
                    ));
                }
            }
        }
    }

    /// A value that must follow one property (or `items`, or `additionalProperties`).
    fn property(&mut self, property: &Value, value: &Value, at: &str) {
        if let Some(name) = property["$ref"].as_str() {
            self.message(name, value, at);
            return;
        }
        let format = property["format"].as_str();
        // Google's JSON mapping carries 64-bit integers as strings (they do not survive a
        // double), whatever `type` says next to the format.
        if let Some(wide @ ("int64" | "uint64")) = format {
            self.wide_integer(wide, value, at);
            return;
        }
        match property["type"].as_str() {
            Some("any") => {}
            Some("string") => self.string(property, value, at),
            Some("integer") => self.integer(format, value, at),
            Some("number") => {
                if !value.is_number() {
                    self.fail(
                        at,
                        format!("expected a JSON number, found {}", kind_of(value)),
                    );
                }
            }
            Some("boolean") => {
                if !value.is_boolean() {
                    self.fail(
                        at,
                        format!("expected a JSON boolean, found {}", kind_of(value)),
                    );
                }
            }
            Some("array") => match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.property(&property["items"], item, &format!("{at}[{i}]"));
                    }
                }
                other => self.fail(
                    at,
                    format!("expected a JSON array, found {}", kind_of(other)),
                ),
            },
            Some("object") => self.object(property, value, at),
            other => self.fail(
                at,
                format!("the document gives this field no type the check knows: {other:?}"),
            ),
        }
    }

    fn wide_integer(&mut self, format: &str, value: &Value, at: &str) {
        match value {
            Value::String(text) => {
                let parses = match format {
                    "int64" => text.parse::<i64>().is_ok(),
                    _ => text.parse::<u64>().is_ok(),
                };
                if !parses {
                    self.fail(at, format!("{text:?} is not an {format} integer"));
                }
            }
            Value::Number(n) => self.fail(
                at,
                format!("{format} sent as the JSON number {n}; the document's {format} travels as a JSON string"),
            ),
            other => self.fail(
                at,
                format!("expected an {format} as a JSON string, found {}", kind_of(other)),
            ),
        }
    }

    fn integer(&mut self, format: Option<&str>, value: &Value, at: &str) {
        let Value::Number(n) = value else {
            self.fail(
                at,
                format!(
                    "expected a JSON number ({}), found {}",
                    format.unwrap_or("integer"),
                    kind_of(value)
                ),
            );
            return;
        };
        let fits = match format {
            Some("int32") => n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
            Some("uint32") => n.as_u64().is_some_and(|v| u32::try_from(v).is_ok()),
            _ => n.is_i64() || n.is_u64(),
        };
        if !fits {
            self.fail(
                at,
                format!("{n} is not an {} value", format.unwrap_or("integer")),
            );
        }
    }

    fn string(&mut self, property: &Value, value: &Value, at: &str) {
        let Value::String(text) = value else {
            self.fail(
                at,
                format!("expected a JSON string, found {}", kind_of(value)),
            );
            return;
        };
        if let Some(allowed) = property["enum"].as_array() {
            if !allowed.iter().any(|a| a.as_str() == Some(text)) {
                let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                self.fail(
                    at,
                    format!(
                        "{text:?} is not one of the enum values [{}]",
                        names.join(", ")
                    ),
                );
            }
        }
        let well_formed = match property["format"].as_str() {
            Some("google-datetime") => is_rfc3339(text),
            Some("google-duration") => is_duration(text),
            _ => true,
        };
        if !well_formed {
            self.fail(
                at,
                format!(
                    "{text:?} is not a {}",
                    property["format"].as_str().unwrap_or("?")
                ),
            );
        }
    }

    /// `type: object`: a map (`additionalProperties`, such as labels) with each value
    /// checked, an inline message, or free-form.
    fn object(&mut self, property: &Value, value: &Value, at: &str) {
        let Value::Object(fields) = value else {
            self.fail(
                at,
                format!("expected a JSON object, found {}", kind_of(value)),
            );
            return;
        };
        if let Some(values) = property
            .get("additionalProperties")
            .filter(|v| v.is_object())
        {
            for (key, value) in fields {
                self.property(values, value, &format!("{at}[{key:?}]"));
            }
        } else if let Some(known) = property["properties"].as_object() {
            for (key, value) in fields {
                match known.get(key) {
                    Some(inner) => self.property(inner, value, &join(at, key)),
                    None => self.fail(&join(at, key), "unknown field".to_string()),
                }
            }
        }
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn output_only(property: &Value) -> bool {
    property["readOnly"] == Value::Bool(true)
        || property["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("Output only."))
}

fn documented_required(property: &Value) -> bool {
    property["description"]
        .as_str()
        .is_some_and(|d| d.starts_with("Required."))
}

fn kind_of(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `2026-11-26T11:37:00.500Z` or with a `+01:00` offset: RFC 3339, as Google's
/// google-datetime asks.
fn is_rfc3339(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((date, time)) = text.split_once('T') else {
        return false;
    };
    let date_ok = matches!(date.split('-').collect::<Vec<_>>().as_slice(),
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 && digits(y) && digits(m) && digits(d));
    let (clock, zone_ok) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, true)
    } else {
        match time.rfind(['+', '-']) {
            Some(at) => {
                let zone = &time[at + 1..];
                (
                    &time[..at],
                    zone.len() == 5 && zone.as_bytes()[2] == b':' && digits(&zone.replace(':', "")),
                )
            }
            None => (time, false),
        }
    };
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let clock_ok = matches!(whole.split(':').collect::<Vec<_>>().as_slice(),
        [h, m, s] if [h, m, s].iter().all(|p| p.len() == 2 && digits(p)));
    date_ok && zone_ok && clock_ok && digits(fraction)
}

/// `3.5s`, `-1s`: google-duration is seconds with up to nine fractional digits.
fn is_duration(text: &str) -> bool {
    let Some(number) = text.strip_suffix('s') else {
        return false;
    };
    let number = number.strip_prefix('-').unwrap_or(number);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction) && fraction.len() <= 9
}

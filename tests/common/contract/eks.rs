//! A third, independent reading of the official EKS contract, the botocore service model
//! (eks.service-2.json, API 2017-11-01, protocol rest-json), for the tests: finds a call's
//! operation from the model's own `http.method` + `requestUri` table, then walks the URI
//! labels, the query string and the JSON body against the operation's input shape, and an
//! answer against its output shape or one of its error shapes, by hand with serde_json.
//! It calls no code of the emulator or of the EKS provider (which uses aws-sdk-eks), so a
//! misreading of the contract by either shows up here as a failing test.
//!
//! What it does not check: headers (the model puts no EKS member in a header, and SigV4 is
//! the SDK's business), `x-amzn-ErrorType` (the callers have no headers; an error body is
//! matched to the error shapes by its status and members, or by a `__type` it carries), and
//! semantics the model does not state (`minSize <= desiredSize <= maxSize`, the 30 groups
//! per cluster, which members may be combined).

use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Once, OnceLock};

/// Where the model lives, relative to the repository root.
pub const MODEL: &str = "../shared/api-specs/eks/eks.service-2.json";

/// The model's official examples, relative to the repository root.
pub const EXAMPLES: &str = "../shared/api-specs/eks/eks.examples-1.json";

/// Errors any operation may answer although the model lists them only on some: both are
/// shapes of this model (so their status and body are still checked against it), and both
/// come from AWS's front door rather than from the operation: an IAM denial
/// (AccessDeniedException, 403) and a rate limit (ThrottlingException, 429 in the model;
/// AWS's common-errors table says 400, which the model does not). Front-door errors the
/// model has no shape for (UnrecognizedClientException, InvalidSignatureException, ...)
/// are not accepted: their bodies could not be checked.
pub const COMMON_ERRORS: [&str; 2] = ["AccessDeniedException", "ThrottlingException"];

/// The model's path on this machine: `POOLCTL_EKS_MODEL` when set (CI sets it to the same
/// file taken from the botocore 1.44.8 wheel when the shared folder is absent), else the
/// shared folder beside the repository.
pub fn model_path() -> PathBuf {
    match std::env::var_os("POOLCTL_EKS_MODEL").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(MODEL),
    }
}

/// The examples' path: `POOLCTL_EKS_EXAMPLES` when set (`none` turns the example checks
/// off, out loud), else the shared folder beside the repository.
pub fn examples_path() -> PathBuf {
    match std::env::var_os("POOLCTL_EKS_EXAMPLES").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(EXAMPLES),
    }
}

/// Whether `CI` says this is a CI run (`true`, any case, or `1`).
fn in_ci(ci: Option<&str>) -> bool {
    ci.is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// What to do when the model is absent. Under CI (`CI=true`, or `1`) a skip line nobody
/// reads would pass silently, so it is an error there; elsewhere (a checkout without the
/// shared folder) it is a skip, with the reason.
pub fn when_absent(ci: Option<&str>) -> Result<(), String> {
    if in_ci(ci) {
        Err(format!(
            "{MODEL} is missing and CI is true: the EKS contract check cannot be skipped in \
             CI; put the botocore EKS model beside the repository or set POOLCTL_EKS_MODEL"
        ))
    } else {
        Ok(())
    }
}

/// The official EKS model, read once per test binary. `None`, said once on stderr, when it
/// is absent outside CI; a panic when it is absent with `CI=true`, or cannot be read.
pub fn official_eks_model() -> Option<&'static EksModel> {
    static LOADED: OnceLock<Result<Option<EksModel>, String>> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        let found = EksModel::read(&model_path())?;
        if found.is_none() {
            when_absent(std::env::var("CI").ok().as_deref())?;
        }
        Ok(found)
    });
    match loaded {
        Ok(Some(model)) => Some(model),
        Ok(None) => {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "\n*** SKIPPED: the EKS contract check needs {MODEL} beside the repository \
                     (or POOLCTL_EKS_MODEL); outside CI it skips, with CI=true it fails\n"
                )
            });
            None
        }
        Err(why) => panic!("{why}"),
    }
}

/// The official examples (`{"version", "examples": {operation: [...]}}`). `None`, said on
/// stderr, when they are absent outside CI or `POOLCTL_EKS_EXAMPLES=none`; a panic when
/// they are absent with `CI=true`, or unreadable.
pub fn official_eks_examples() -> Option<Value> {
    if std::env::var("POOLCTL_EKS_EXAMPLES").as_deref() == Ok("none") {
        eprintln!("*** SKIPPED: POOLCTL_EKS_EXAMPLES=none: the checks against the EKS model's examples are off");
        return None;
    }
    let path = examples_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if in_ci(std::env::var("CI").ok().as_deref()) {
                panic!(
                    "{EXAMPLES} is missing and CI is true: the EKS example checks cannot be \
                     skipped in CI; set POOLCTL_EKS_EXAMPLES to the file from the same \
                     botocore wheel, or to `none` to turn them off out loud"
                );
            }
            eprintln!(
                "\n*** SKIPPED: the EKS example checks need {EXAMPLES} beside the repository \
                 (or POOLCTL_EKS_EXAMPLES); outside CI they skip, with CI=true they fail\n"
            );
            return None;
        }
        Err(e) => panic!("cannot read {EXAMPLES}: {e}"),
    };
    let examples: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{EXAMPLES} is not JSON: {e}"));
    assert!(
        examples["examples"].is_object(),
        "{EXAMPLES} has no `examples` table"
    );
    Some(examples)
}

/// What a check found: failures break the contract; warnings are what the model allows
/// but the service or the SDK would not do (a null member in an answer, a deprecated
/// member sent, a pattern this reader cannot evaluate).
#[derive(Debug, Default, Clone)]
pub struct Findings {
    pub failures: Vec<String>,
    pub warnings: Vec<String>,
}

impl Findings {
    /// No failures (warnings allowed).
    pub fn passes(&self) -> bool {
        self.failures.is_empty()
    }

    /// The failures that mention `needle`.
    pub fn failures_mentioning(&self, needle: &str) -> Vec<&str> {
        self.failures
            .iter()
            .filter(|f| f.contains(needle))
            .map(String::as_str)
            .collect()
    }

    fn extend(&mut self, other: Findings) {
        self.failures.extend(other.failures);
        self.warnings.extend(other.warnings);
    }
}

/// One call and its answer, as a test would record or build it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub request_body: Option<Value>,
    pub status: u16,
    pub response_body: Option<Value>,
}

/// Turns labelled findings into one message listing every failure, `None` when there is
/// none. Warnings are listed after the failures, for context.
pub fn failure_summary(model: &EksModel, checked: &[(String, Findings)]) -> Option<String> {
    let failing: Vec<&(String, Findings)> = checked.iter().filter(|(_, f)| !f.passes()).collect();
    if failing.is_empty() {
        return None;
    }
    let count: usize = failing.iter().map(|(_, f)| f.failures.len()).sum();
    let mut text = format!(
        "{count} failure(s) against the EKS contract ({}), in {} of {} checked:",
        model.describe(),
        failing.len(),
        checked.len()
    );
    for (label, found) in failing {
        let _ = write!(text, "\n  {label}:");
        for failure in &found.failures {
            let _ = write!(text, "\n    - {failure}");
        }
        for warning in &found.warnings {
            let _ = write!(text, "\n    (warning) {warning}");
        }
    }
    Some(text)
}

/// Panics with `failure_summary` when any of `checked` failed; prints the warnings once.
pub fn assert_conforms(model: &EksModel, checked: &[(String, Findings)]) {
    for (label, found) in checked {
        for warning in &found.warnings {
            eprintln!("EKS contract warning: {label}: {warning}");
        }
    }
    if let Some(message) = failure_summary(model, checked) {
        panic!("{message}");
    }
}

/// One operation of the model, as far as the checks need it.
#[derive(Debug, Clone)]
struct Operation {
    name: String,
    method: String,
    segments: Vec<Segment>,
    /// The literal query of a `requestUri` such as `/x/{Id}?tagging` (none in EKS today).
    literal_query: Vec<(String, Option<String>)>,
}

/// The raw (still percent-encoded) values of a path's labels, by label name.
type Labels = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Label(String),
    Greedy(String),
}

/// The parsed botocore model.
pub struct EksModel {
    doc: Value,
    operations: Vec<Operation>,
}

impl EksModel {
    /// Reads the model; `Ok(None)` when it is absent.
    pub fn read(path: &Path) -> Result<Option<EksModel>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {MODEL}: {e}")),
        };
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{MODEL} is not JSON: {e}"))?;
        EksModel::from_value(doc).map(Some)
    }

    /// Wraps a parsed model, refusing one that is not a rest-json botocore model.
    pub fn from_value(doc: Value) -> Result<EksModel, String> {
        let (Some(ops), true) = (doc["operations"].as_object(), doc["shapes"].is_object()) else {
            return Err(format!(
                "{MODEL} has no `operations` or `shapes`: not a botocore service model"
            ));
        };
        if doc["metadata"]["protocol"] != "rest-json" {
            return Err(format!(
                "{MODEL} speaks {}, not rest-json: this reader knows rest-json only",
                doc["metadata"]["protocol"]
            ));
        }
        let mut operations = Vec::new();
        for (name, op) in ops {
            let (Some(method), Some(uri)) = (
                op["http"]["method"].as_str(),
                op["http"]["requestUri"].as_str(),
            ) else {
                return Err(format!(
                    "{MODEL}: operation {name} has no http method or requestUri"
                ));
            };
            let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
            let segments = path
                .trim_start_matches('/')
                .split('/')
                .filter(|s| !s.is_empty())
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(label) => match label.strip_suffix('+') {
                            Some(greedy) => Segment::Greedy(greedy.to_string()),
                            None => Segment::Label(label.to_string()),
                        },
                        None => Segment::Literal(s.to_string()),
                    },
                )
                .collect();
            let literal_query = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (p.to_string(), None),
                })
                .collect();
            operations.push(Operation {
                name: name.clone(),
                method: method.to_string(),
                segments,
                literal_query,
            });
        }
        Ok(EksModel { doc, operations })
    }

    /// `EKS 2017-11-01 (eks-2017-11-01, rest-json)`, for messages.
    pub fn describe(&self) -> String {
        let meta = &self.doc["metadata"];
        format!(
            "{} {} ({}, {})",
            meta["serviceId"].as_str().unwrap_or("?"),
            meta["apiVersion"].as_str().unwrap_or("?"),
            meta["uid"].as_str().unwrap_or("?"),
            meta["protocol"].as_str().unwrap_or("?")
        )
    }

    /// Every operation name of the model.
    pub fn operation_names(&self) -> Vec<&str> {
        self.operations.iter().map(|o| o.name.as_str()).collect()
    }

    /// The operation whose method and `requestUri` match a request, from the model's own
    /// table. A label matches one non-empty path segment (percent-encoded: `{resourceArn}`
    /// holds its slashes as `%2F`); a greedy `{label+}` one or more. When several match,
    /// the one with the most literal segments wins, as a router's would. Anything after a
    /// `?` in `path` is ignored here.
    pub fn operation(&self, method: &str, path: &str) -> Option<&str> {
        self.route(method, path).map(|(op, _)| op.name.as_str())
    }

    fn route(&self, method: &str, path: &str) -> Option<(&Operation, Labels)> {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let segments: Vec<&str> = if segments == [""] { vec![] } else { segments };
        let mut best: Option<(&Operation, Labels, usize)> = None;
        for op in self.operations.iter().filter(|o| o.method == method) {
            let mut labels = Vec::new();
            if !match_segments(&op.segments, &segments, &mut labels) {
                continue;
            }
            let literals = op
                .segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count();
            if best.as_ref().is_none_or(|(_, _, n)| literals > *n) {
                best = Some((op, labels, literals));
            }
        }
        best.map(|(op, labels, _)| (op, labels))
    }

    fn op_json(&self, name: &str) -> &Value {
        &self.doc["operations"][name]
    }

    fn shape(&self, name: &str) -> Option<&Value> {
        self.doc["shapes"].get(name)
    }

    /// The HTTP status the model gives the error shape `name`.
    pub fn error_status(&self, name: &str) -> Option<u16> {
        self.shape(name)?["error"]["httpStatusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
    }

    /// The error shapes an operation lists.
    pub fn operation_errors(&self, operation: &str) -> Vec<&str> {
        self.op_json(operation)["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["shape"].as_str()).collect())
            .unwrap_or_default()
    }

    /// Checks a request: its operation is one of the model's; its URI labels fill the
    /// input's `uri` members and follow their shapes; each query parameter is one of the
    /// input's `querystring` members and of the right type; the JSON body holds only the
    /// input's body members (those with no `location`), every required one, each of the
    /// right type, recursively; no body goes to an operation that takes none.
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Option<&Value>,
    ) -> Findings {
        let mut found = Findings::default();
        let (path, inline_query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let query = match (query, inline_query) {
            (Some(q), Some(i)) => Some(format!("{i}&{q}")),
            (q, i) => q.or(i).map(str::to_string),
        };
        let Some((op, labels)) = self.route(method, path) else {
            found.failures.push(self.no_operation(method, path));
            return found;
        };
        let name = op.name.as_str();
        let Some(input_name) = self.op_json(name)["input"]["shape"].as_str() else {
            if body.is_some() {
                found
                    .failures
                    .push(format!("{name} has no input, but a body was sent"));
            }
            return found;
        };
        let Some(input) = self.shape(input_name) else {
            found
                .failures
                .push(format!("the model defines no shape {input_name}"));
            return found;
        };
        let empty = Map::new();
        let members = input["members"].as_object().unwrap_or(&empty);
        let required = required_of(input);
        let mut walk = Walk::new(self, Direction::Request);

        // URI labels.
        for (member, spec) in members {
            if spec["location"] != "uri" {
                continue;
            }
            let wire = spec["locationName"].as_str().unwrap_or(member);
            match labels.iter().find(|(l, _)| l == wire) {
                Some((_, raw)) => match percent_decode(raw) {
                    Ok(value) => walk.text_value(
                        spec["shape"].as_str().unwrap_or("?"),
                        &value,
                        &format!("uri label {{{wire}}} ({member})"),
                    ),
                    Err(why) => walk.fail(
                        &format!("uri label {{{wire}}} ({member})"),
                        format!("{raw:?} is not a well-formed percent-encoded value: {why}"),
                    ),
                },
                None if required.contains(&member.as_str()) => walk.fail(
                    member,
                    format!(
                        "{input_name} requires `{member}` in the uri label {{{wire}}}, which \
                         the requestUri of {name} does not have"
                    ),
                ),
                None => {}
            }
        }

        // Query string.
        let mut pairs: Vec<(String, String)> = Vec::new();
        for pair in query
            .iter()
            .flat_map(|q| q.split('&'))
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (percent_decode(k), percent_decode(v)) {
                (Ok(k), Ok(v)) => pairs.push((k, v)),
                (Err(why), _) | (_, Err(why)) => walk.fail(
                    &format!("query {k}"),
                    format!("{pair:?} is not well-formed percent-encoded text: {why}"),
                ),
            }
        }
        for (wanted, value) in &op.literal_query {
            if !pairs
                .iter()
                .any(|(k, v)| k == wanted && value.as_ref().is_none_or(|want| want == v))
            {
                walk.fail(
                    &format!("query {wanted}"),
                    format!("the requestUri of {name} has `?{wanted}`, which the query lacks"),
                );
            }
        }
        let query_members: Vec<(&String, &Value, &str)> = members
            .iter()
            .filter(|(_, spec)| spec["location"] == "querystring")
            .map(|(m, spec)| (m, spec, spec["locationName"].as_str().unwrap_or(m)))
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in &pairs {
            if op.literal_query.iter().any(|(k, _)| k == key) {
                continue;
            }
            let Some((member, spec, wire)) = query_members.iter().find(|(_, _, w)| w == key) else {
                let takes: Vec<&str> = query_members.iter().map(|(_, _, w)| *w).collect();
                walk.fail(
                    &format!("query {key}"),
                    format!(
                        "query parameter `{key}` is not one {name} takes (it takes: [{}])",
                        takes.join(", ")
                    ),
                );
                continue;
            };
            let at = format!("query {wire} ({member})");
            let shape_name = spec["shape"].as_str().unwrap_or("?");
            let is_list = self.shape(shape_name).is_some_and(|s| s["type"] == "list");
            if seen.contains(wire) && !is_list {
                walk.fail(&at, format!("`{wire}` is given more than once"));
            }
            seen.push(wire);
            let item_shape = if is_list {
                self.shape(shape_name)
                    .and_then(|s| s["member"]["shape"].as_str())
                    .unwrap_or("?")
            } else {
                shape_name
            };
            walk.text_value(item_shape, value, &at);
        }
        for (member, spec, wire) in &query_members {
            let shape_name = spec["shape"].as_str().unwrap_or("?");
            let count = pairs.iter().filter(|(k, _)| k == wire).count();
            if required.contains(&member.as_str()) && count == 0 {
                walk.fail(
                    &format!("query {wire} ({member})"),
                    format!("required member missing: {input_name} requires `{member}` as the query parameter `{wire}`"),
                );
            }
            if count > 0 {
                if let Some(list) = self.shape(shape_name).filter(|s| s["type"] == "list") {
                    walk.bounds(
                        list,
                        count as f64,
                        &format!("query {wire} ({member})"),
                        "values",
                    );
                }
            }
        }

        // The body.
        let body_members: Vec<&String> = members
            .iter()
            .filter(|(_, spec)| spec.get("location").is_none())
            .map(|(m, _)| m)
            .collect();
        if body_members.is_empty() {
            if let Some(body) = body {
                walk.fail(
                    "(body)",
                    format!("{name} ({method}) takes no body, but one was sent: {body}"),
                );
            }
        } else {
            let empty_body = json!({});
            match body {
                Some(Value::Null) | None => {
                    walk.structure(input_name, input, &empty_body, "", true)
                }
                Some(body) => walk.structure(input_name, input, body, "", true),
            }
        }
        walk.findings
    }

    /// Checks an answer: a 2xx (the model gives no `responseCode`, so 200) must follow the
    /// output shape; an error status must be the `httpStatusCode` of one of the operation's
    /// error shapes (or of `COMMON_ERRORS`), and its body must fit that error shape.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: Option<&Value>,
    ) -> Findings {
        let mut found = Findings::default();
        let Some((op, _)) = self.route(method, path) else {
            found.failures.push(self.no_operation(method, path));
            return found;
        };
        let name = op.name.as_str();
        let op_json = self.op_json(name);
        match status {
            200..=299 => {
                let expected = op_json["http"]["responseCode"].as_u64().unwrap_or(200);
                if u64::from(status) != expected {
                    found.failures.push(format!(
                        "(status): {name} answers {expected} on success (the model gives it \
                         {}), not {status}",
                        if op_json["http"]["responseCode"].is_null() {
                            "no responseCode, so the default".to_string()
                        } else {
                            format!("responseCode {expected}")
                        }
                    ));
                }
                let Some(output_name) = op_json["output"]["shape"].as_str() else {
                    if body.is_some_and(|b| b != &json!({})) {
                        found.failures.push(format!(
                            "(body): {name} has no output, but a body came back"
                        ));
                    }
                    return found;
                };
                let Some(output) = self.shape(output_name) else {
                    found
                        .failures
                        .push(format!("the model defines no shape {output_name}"));
                    return found;
                };
                let mut walk = Walk::new(self, Direction::Response);
                match body {
                    Some(body) => walk.structure(output_name, output, body, "", true),
                    None => walk.findings.warnings.push(format!(
                        "(body): no body; rest-json answers at least `{{}}` ({output_name})"
                    )),
                }
                found.extend(walk.findings);
            }
            400..=599 => found.extend(self.check_error(name, status, body)),
            _ => found.failures.push(format!(
                "(status): {status} is neither a success nor an error status of {name}"
            )),
        }
        found
    }

    fn check_error(&self, name: &str, status: u16, body: Option<&Value>) -> Findings {
        let mut found = Findings::default();
        let listed = self.operation_errors(name);
        let mut allowed: Vec<&str> = listed.clone();
        for common in COMMON_ERRORS {
            if !allowed.contains(&common) {
                allowed.push(common);
            }
        }
        let with_status: Vec<&str> = allowed
            .iter()
            .copied()
            .filter(|e| self.error_status(e) == Some(status))
            .collect();
        if with_status.is_empty() {
            let listed: Vec<String> = listed
                .iter()
                .map(|e| format!("{e} ({})", self.error_status(e).unwrap_or(0)))
                .collect();
            found.failures.push(format!(
                "(status): {name} lists no error with HTTP status {status}: its errors are [{}], \
                 and any operation may answer [{}]",
                listed.join(", "),
                COMMON_ERRORS
                    .iter()
                    .map(|e| format!("{e} ({})", self.error_status(e).unwrap_or(0)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return found;
        }
        let Some(body) = body else {
            found.failures.push(format!(
                "(body): an error answer of {name} with no body; rest-json errors carry a JSON \
                 body with at least `message` ({})",
                with_status.join(" or ")
            ));
            return found;
        };
        // A `__type` names the error, as restJson1 clients accept (`ns#Name` or `Name:...`);
        // without it (EKS sends the type in the x-amzn-ErrorType header, which the callers
        // do not have) the body must fit one of the shapes with this status.
        let named = body["__type"].as_str().map(|t| {
            let t = t.rsplit_once('#').map_or(t, |(_, n)| n);
            t.split_once(':').map_or(t, |(n, _)| n)
        });
        let candidates: Vec<&str> = match named {
            Some(type_name) if with_status.contains(&type_name) => vec![type_name],
            Some(type_name) => {
                found.failures.push(format!(
                    "__type: {type_name:?} is not an error of {name} with status {status} \
                     (those are [{}])",
                    with_status.join(", ")
                ));
                return found;
            }
            None => with_status.clone(),
        };
        let mut stripped = body.clone();
        if let Some(fields) = stripped.as_object_mut() {
            fields.remove("__type");
        }
        let mut tries = Vec::new();
        for candidate in &candidates {
            let Some(shape) = self.shape(candidate) else {
                continue;
            };
            let mut walk = Walk::new(self, Direction::Response);
            walk.structure(candidate, shape, &stripped, "", true);
            if walk.findings.passes() {
                return walk.findings;
            }
            tries.push((candidate, walk.findings));
        }
        match tries.as_slice() {
            [(_, only)] => found.extend(only.clone()),
            _ => found.failures.push(format!(
                "(body): the error body fits none of the errors of {name} with status {status}: {}",
                tries
                    .iter()
                    .map(|(c, f)| format!("{c}: {}", f.failures.join("; ")))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )),
        }
        found
    }

    /// `check_request` and `check_response` of one exchange, together; each finding says
    /// which side it is on (`request ...`, `response ...`).
    pub fn check_exchange(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        request_body: Option<&Value>,
        status: u16,
        response_body: Option<&Value>,
    ) -> Findings {
        let mut found = Findings::default();
        let sent = self.check_request(method, path, query, request_body);
        found
            .failures
            .extend(sent.failures.into_iter().map(|f| format!("request {f}")));
        found
            .warnings
            .extend(sent.warnings.into_iter().map(|w| format!("request {w}")));
        let answer = self.check_response(method, path, status, response_body);
        found
            .failures
            .extend(answer.failures.into_iter().map(|f| format!("response {f}")));
        found
            .warnings
            .extend(answer.warnings.into_iter().map(|w| format!("response {w}")));
        found
    }

    /// Checks one `Exchange`, labelled `METHOD path -> status (Operation)`.
    pub fn check(&self, exchange: &Exchange) -> (String, Findings) {
        let label = format!(
            "{} {}{} -> {} ({})",
            exchange.method,
            exchange.path,
            exchange
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default(),
            exchange.status,
            self.operation(&exchange.method, &exchange.path)
                .unwrap_or("no operation")
        );
        let found = self.check_exchange(
            &exchange.method,
            &exchange.path,
            exchange.query.as_deref(),
            exchange.request_body.as_ref(),
            exchange.status,
            exchange.response_body.as_ref(),
        );
        (label, found)
    }

    /// Checks every request of an emulator's log (its answers' bodies are not recorded:
    /// check those with `check_response`), labelled `request[i] METHOD path`.
    pub fn check_recorded(
        &self,
        requests: &[poolctl_emulator::RecordedRequest],
    ) -> Vec<(String, Findings)> {
        requests
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    format!("request[{i}] {} {}", r.method, r.path),
                    self.check_request(&r.method, &r.path, r.query.as_deref(), r.body.as_ref()),
                )
            })
            .collect()
    }

    /// Builds the HTTP call an SDK would make from an operation's input as the examples
    /// write it (members by name): `uri` members percent-encoded into the requestUri,
    /// `querystring` members into the query, everything else (including names the input
    /// does not have, so the check sees them) into the body.
    pub fn render_request(&self, operation: &str, input: &Value) -> Result<Exchange, String> {
        let op = self
            .operations
            .iter()
            .find(|o| o.name == operation)
            .ok_or_else(|| format!("{operation} is not an operation of the model"))?;
        let empty = Map::new();
        let members = self.op_json(operation)["input"]["shape"]
            .as_str()
            .and_then(|s| self.shape(s))
            .and_then(|s| s["members"].as_object())
            .unwrap_or(&empty);
        let fields = input.as_object().unwrap_or(&empty);
        let mut path = String::new();
        for segment in &op.segments {
            path.push('/');
            match segment {
                Segment::Literal(text) => path.push_str(text),
                Segment::Label(label) | Segment::Greedy(label) => {
                    let value = members
                        .iter()
                        .find(|(m, spec)| {
                            spec["location"] == "uri"
                                && spec["locationName"].as_str().unwrap_or(m) == label
                        })
                        .and_then(|(m, _)| fields.get(m))
                        .map(scalar_text)
                        .unwrap_or_default();
                    let encoded = percent_encode(&value);
                    path.push_str(&if matches!(segment, Segment::Greedy(_)) {
                        encoded.replace("%2F", "/")
                    } else {
                        encoded
                    });
                }
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        let mut query: Vec<String> = op
            .literal_query
            .iter()
            .map(|(k, v)| v.as_ref().map_or(k.clone(), |v| format!("{k}={v}")))
            .collect();
        let mut body = Map::new();
        for (key, value) in fields {
            let spec = members.get(key);
            match spec.map(|s| s["location"].as_str()) {
                Some(Some("uri")) => {}
                Some(Some("querystring")) => {
                    let wire = spec.and_then(|s| s["locationName"].as_str()).unwrap_or(key);
                    let values = match value {
                        Value::Array(items) => items.iter().map(scalar_text).collect(),
                        other => vec![scalar_text(other)],
                    };
                    for v in values {
                        query.push(format!("{}={}", percent_encode(wire), percent_encode(&v)));
                    }
                }
                Some(Some(other)) => {
                    return Err(format!(
                        "{operation}.{key}: location {other} is not one this reader renders"
                    ))
                }
                _ => {
                    let wire = spec.and_then(|s| s["locationName"].as_str()).unwrap_or(key);
                    body.insert(wire.to_string(), value.clone());
                }
            }
        }
        let takes_body = members.values().any(|s| s.get("location").is_none());
        Ok(Exchange {
            method: op.method.clone(),
            path,
            query: (!query.is_empty()).then(|| query.join("&")),
            request_body: (takes_body || !body.is_empty()).then_some(Value::Object(body)),
            status: 200,
            response_body: None,
        })
    }

    /// The model's own examples as exchanges (each input rendered by `render_request`,
    /// each output as a 200 answer), labelled `Operation: example id`. Only operations
    /// `keep` accepts.
    pub fn example_exchanges(
        &self,
        examples: &Value,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<(String, Result<Exchange, String>)> {
        let mut out = Vec::new();
        let Some(table) = examples["examples"].as_object() else {
            return out;
        };
        for (operation, list) in table.iter().filter(|(op, _)| keep(op)) {
            for example in list.as_array().into_iter().flatten() {
                let label = format!(
                    "{operation}: {}",
                    example["id"].as_str().unwrap_or("(no id)")
                );
                let exchange =
                    self.render_request(operation, &example["input"])
                        .map(|mut exchange| {
                            exchange.response_body = example.get("output").cloned();
                            exchange
                        });
                out.push((label, exchange));
            }
        }
        out
    }

    /// Why no operation matched, with a hint when a label holds a raw slash.
    fn no_operation(&self, method: &str, path: &str) -> String {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for op in self.operations.iter().filter(|o| o.method == method) {
            let loose: Vec<Segment> = op
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Label(l) => Segment::Greedy(l.clone()),
                    other => other.clone(),
                })
                .collect();
            if loose != op.segments && match_segments(&loose, &segments, &mut Vec::new()) {
                return format!(
                    "{method} {path} is no operation of {}: it would be {} ({}) if a label \
                     could hold a raw `/`, but a non-greedy label is one path segment: \
                     percent-encode the value (`/` as %2F), as the SDKs do",
                    self.describe(),
                    op.name,
                    op_template(op)
                );
            }
        }
        let same_path: Vec<String> = self
            .operations
            .iter()
            .filter(|o| match_segments(&o.segments, &segments, &mut Vec::new()))
            .map(|o| format!("{} {}", o.method, o.name))
            .collect();
        if same_path.is_empty() {
            format!("{method} {path} is no operation of {}", self.describe())
        } else {
            format!(
                "{method} {path} is no operation of {}; that path takes [{}]",
                self.describe(),
                same_path.join(", ")
            )
        }
    }
}

fn op_template(op: &Operation) -> String {
    op.segments
        .iter()
        .map(|s| match s {
            Segment::Literal(t) => format!("/{t}"),
            Segment::Label(l) => format!("/{{{l}}}"),
            Segment::Greedy(l) => format!("/{{{l}+}}"),
        })
        .collect()
}

/// Matches template segments against path segments, collecting the raw label values.
fn match_segments(template: &[Segment], path: &[&str], labels: &mut Labels) -> bool {
    match template.split_first() {
        None => path.is_empty(),
        Some((Segment::Literal(text), rest)) => {
            path.first() == Some(&text.as_str()) && match_segments(rest, &path[1..], labels)
        }
        Some((Segment::Label(label), rest)) => match path.split_first() {
            Some((value, more)) if !value.is_empty() => {
                labels.push((label.clone(), value.to_string()));
                if match_segments(rest, more, labels) {
                    true
                } else {
                    labels.pop();
                    false
                }
            }
            _ => false,
        },
        Some((Segment::Greedy(label), rest)) => {
            for take in (1..=path.len()).rev() {
                let value = path[..take].join("/");
                if value.is_empty() {
                    continue;
                }
                labels.push((label.clone(), value));
                if match_segments(rest, &path[take..], labels) {
                    return true;
                }
                labels.pop();
            }
            false
        }
    }
}

fn required_of(shape: &Value) -> Vec<&str> {
    shape["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters, as the SDKs encode labels.
fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("a `%` at {i} is not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "it decodes to bytes that are not UTF-8".to_string())
}

/// Which way a body travels: `required` binds requests; a null in an answer is read as
/// absent by the SDKs, so it is a warning there and a failure in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

/// A walk of one message, collecting what breaks the model with a path to it.
struct Walk<'a> {
    model: &'a EksModel,
    direction: Direction,
    findings: Findings,
}

impl<'a> Walk<'a> {
    fn new(model: &'a EksModel, direction: Direction) -> Walk<'a> {
        Walk {
            model,
            direction,
            findings: Findings::default(),
        }
    }

    fn fail(&mut self, at: &str, why: String) {
        let at = if at.is_empty() { "(body)" } else { at };
        self.findings.failures.push(format!("{at}: {why}"));
    }

    fn warn(&mut self, at: &str, why: String) {
        let at = if at.is_empty() { "(body)" } else { at };
        self.findings.warnings.push(format!("{at}: {why}"));
    }

    /// A value of the shape `name`.
    fn value(&mut self, name: &str, value: &Value, at: &str, timestamp_format: Option<&str>) {
        let Some(shape) = self.model.shape(name) else {
            self.fail(at, format!("the model defines no shape {name}"));
            return;
        };
        if value.is_null() {
            match self.direction {
                Direction::Request => self.fail(
                    at,
                    format!("null sent for a {name}: an unset member is left out, not null"),
                ),
                Direction::Response => self.warn(
                    at,
                    format!("null for a {name}: the SDKs read it as unset; the service leaves unset members out"),
                ),
            }
            return;
        }
        match shape["type"].as_str().unwrap_or("?") {
            "structure" => self.structure(name, shape, value, at, false),
            "list" => {
                let Value::Array(items) = value else {
                    self.fail(
                        at,
                        format!("expected a JSON array ({name}), found {}", kind_of(value)),
                    );
                    return;
                };
                self.bounds(shape, items.len() as f64, at, "items");
                let member = shape["member"]["shape"].as_str().unwrap_or("?");
                for (i, item) in items.iter().enumerate() {
                    self.value(member, item, &format!("{at}[{i}]"), None);
                }
            }
            "map" => {
                let Value::Object(entries) = value else {
                    self.fail(
                        at,
                        format!("expected a JSON object ({name}), found {}", kind_of(value)),
                    );
                    return;
                };
                self.bounds(shape, entries.len() as f64, at, "entries");
                let key = shape["key"]["shape"].as_str().unwrap_or("?");
                let val = shape["value"]["shape"].as_str().unwrap_or("?");
                for (k, v) in entries {
                    self.text_value(key, k, &format!("{at} key {k:?}"));
                    self.value(val, v, &format!("{at}[{k:?}]"), None);
                }
            }
            "string" => match value {
                Value::String(text) => self.string(name, shape, text, at),
                other => self.fail(
                    at,
                    format!("expected a JSON string ({name}), found {}", kind_of(other)),
                ),
            },
            kind @ ("integer" | "long") => {
                let Some(n) = value.as_i64() else {
                    self.fail(
                        at,
                        format!(
                            "expected a JSON integer ({name}, {kind}), found {}",
                            kind_of(value)
                        ),
                    );
                    return;
                };
                if kind == "integer" && i32::try_from(n).is_err() {
                    self.fail(at, format!("{n} does not fit a 32-bit integer ({name})"));
                }
                self.bounds(shape, n as f64, at, "value");
            }
            kind @ ("float" | "double") => match value.as_f64() {
                Some(n) => self.bounds(shape, n, at, "value"),
                None => self.fail(
                    at,
                    format!(
                        "expected a JSON number ({name}, {kind}), found {}",
                        kind_of(value)
                    ),
                ),
            },
            "boolean" => {
                if !value.is_boolean() {
                    self.fail(
                        at,
                        format!("expected a JSON boolean ({name}), found {}", kind_of(value)),
                    );
                }
            }
            "blob" => {
                if !value.is_string() {
                    self.fail(
                        at,
                        format!("expected base64 text ({name}), found {}", kind_of(value)),
                    );
                }
            }
            "timestamp" => {
                // rest-json bodies carry timestamps as epoch seconds unless the member or
                // the shape names another timestampFormat (the EKS model names none).
                let format = timestamp_format
                    .or(shape["timestampFormat"].as_str())
                    .unwrap_or("unixTimestamp");
                let ok = match format {
                    "unixTimestamp" => value.is_number(),
                    "iso8601" => value.as_str().is_some_and(is_iso8601),
                    "rfc822" => value.as_str().is_some_and(|s| s.ends_with(" GMT")),
                    _ => false,
                };
                if !ok {
                    let expected = match format {
                        "unixTimestamp" => "epoch seconds as a JSON number",
                        "iso8601" => "an ISO 8601 string",
                        "rfc822" => "an RFC 822 date string",
                        _ => "a timestampFormat this reader does not know",
                    };
                    self.fail(
                        at,
                        format!(
                            "a timestamp ({name}) travels as {expected} in rest-json, found {}",
                            kind_of(value)
                        ),
                    );
                }
            }
            other => self.fail(
                at,
                format!(
                    "the model gives {name} the type {other:?}, which this reader does not know"
                ),
            ),
        }
    }

    /// A structure. `top`: the input or output itself, where located members (uri,
    /// querystring, header) are not body members.
    fn structure(&mut self, name: &str, shape: &Value, value: &Value, at: &str, top: bool) {
        let Value::Object(fields) = value else {
            self.fail(
                at,
                format!("expected a JSON object ({name}), found {}", kind_of(value)),
            );
            return;
        };
        let empty = Map::new();
        let members = shape["members"].as_object().unwrap_or(&empty);
        // Body members by their wire name (locationName, when a body member has one).
        let body_member = |key: &str| {
            members
                .iter()
                .filter(|(_, spec)| spec.get("location").is_none())
                .find(|(m, spec)| spec["locationName"].as_str().unwrap_or(m) == key)
        };
        for (key, value) in fields {
            let here = join(at, key);
            let Some((member, spec)) = body_member(key) else {
                let located = members.iter().find(|(m, spec)| {
                    spec.get("location").is_some()
                        && (m.as_str() == key || spec["locationName"] == key.as_str())
                });
                match located {
                    Some((m, spec)) if top => self.fail(
                        &here,
                        format!(
                            "`{key}` is not a body member of {name}: {m} travels in the {} as `{}`",
                            spec["location"].as_str().unwrap_or("?"),
                            spec["locationName"].as_str().unwrap_or(m)
                        ),
                    ),
                    _ => {
                        let mut known: Vec<&str> = members
                            .iter()
                            .filter(|(_, s)| s.get("location").is_none())
                            .map(|(m, s)| s["locationName"].as_str().unwrap_or(m))
                            .collect();
                        known.sort_unstable();
                        self.fail(
                            &here,
                            format!(
                                "unknown member: {name} has no `{key}` (its members: [{}])",
                                known.join(", ")
                            ),
                        );
                    }
                }
                continue;
            };
            if self.direction == Direction::Request && spec["deprecated"] == true {
                self.warn(&here, format!("{name}.{member} is deprecated in the model"));
            }
            self.value(
                spec["shape"].as_str().unwrap_or("?"),
                value,
                &here,
                spec["timestampFormat"].as_str(),
            );
        }
        for member in required_of(shape) {
            let Some(spec) = members.get(member) else {
                continue;
            };
            if spec.get("location").is_some() {
                continue; // checked where the label or query parameter is
            }
            let wire = spec["locationName"].as_str().unwrap_or(member);
            let present = fields.get(wire).is_some_and(|v| !v.is_null());
            if !present {
                self.fail(
                    &join(at, wire),
                    format!("required member missing: {name} requires `{wire}`"),
                );
            }
        }
        if shape["union"] == true && fields.len() != 1 {
            self.fail(
                at,
                format!(
                    "{name} is a union: exactly one member must be set, found {}",
                    fields.len()
                ),
            );
        }
    }

    /// A string value of a `string` shape: enum, pattern, length.
    fn string(&mut self, name: &str, shape: &Value, text: &str, at: &str) {
        if let Some(allowed) = shape["enum"].as_array() {
            if !allowed.iter().any(|a| a.as_str() == Some(text)) {
                let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                self.fail(
                    at,
                    format!(
                        "{text:?} is not one of the {name} values [{}]",
                        names.join(", ")
                    ),
                );
            }
        }
        self.bounds(shape, text.chars().count() as f64, at, "characters");
        if let Some(pattern) = shape["pattern"].as_str() {
            match pattern_matches(pattern, text) {
                Ok(true) => {}
                Ok(false) => self.fail(
                    at,
                    format!("{text:?} does not match the {name} pattern {pattern}"),
                ),
                Err(why) => self.warn(
                    at,
                    format!("the {name} pattern {pattern} was not checked: {why}"),
                ),
            }
        }
    }

    /// A value that travels as text (a uri label, a query parameter, a map key).
    /// Timestamps there are ISO 8601 (rest-json's default outside the body).
    fn text_value(&mut self, name: &str, text: &str, at: &str) {
        let Some(shape) = self.model.shape(name) else {
            self.fail(at, format!("the model defines no shape {name}"));
            return;
        };
        match shape["type"].as_str().unwrap_or("?") {
            "string" => {
                if text.is_empty() && at.starts_with("uri") {
                    self.fail(at, "an empty uri label".to_string());
                }
                self.string(name, shape, text, at)
            }
            kind @ ("integer" | "long") => match text.parse::<i64>() {
                Ok(n) if kind == "long" || i32::try_from(n).is_ok() => {
                    self.bounds(shape, n as f64, at, "value")
                }
                _ => self.fail(at, format!("{text:?} is not an {kind} ({name})")),
            },
            "float" | "double" => match text.parse::<f64>() {
                Ok(n) => self.bounds(shape, n, at, "value"),
                Err(_) => self.fail(at, format!("{text:?} is not a number ({name})")),
            },
            "boolean" => {
                if text != "true" && text != "false" {
                    self.fail(at, format!("{text:?} is not `true` or `false` ({name})"));
                }
            }
            "timestamp" => {
                if !is_iso8601(text) {
                    self.fail(
                        at,
                        format!("{text:?} is not an ISO 8601 timestamp ({name})"),
                    );
                }
            }
            other => self.fail(at, format!("a {other} ({name}) cannot travel as text here")),
        }
    }

    /// The model's `min`/`max` on a shape: a length, a count or a value.
    fn bounds(&mut self, shape: &Value, n: f64, at: &str, unit: &str) {
        let value_bound = unit == "value";
        let show = |x: f64| {
            if x.fract() == 0.0 {
                format!("{}", x as i64)
            } else {
                format!("{x}")
            }
        };
        if let Some(min) = shape["min"].as_f64() {
            if n < min {
                self.fail(
                    at,
                    if value_bound {
                        format!("{} is below the model's min {}", show(n), show(min))
                    } else {
                        format!("{} {unit}, below the model's min {}", show(n), show(min))
                    },
                );
            }
        }
        if let Some(max) = shape["max"].as_f64() {
            if n > max {
                self.fail(
                    at,
                    if value_bound {
                        format!("{} is above the model's max {}", show(n), show(max))
                    } else {
                        format!("{} {unit}, above the model's max {}", show(n), show(max))
                    },
                );
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

/// `2026-11-30T12:00:00Z`, with optional fraction and `+hh:mm` offset.
fn is_iso8601(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10))
        || !(b[10] == b'T' || b[10] == b't')
        || !(digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':' && digits(17..19))
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        rest = &fraction[end..];
    }
    rest == "Z"
        || rest == "z"
        || (rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest.as_bytes()[3] == b':'
            && rest[1..3]
                .bytes()
                .chain(rest[4..6].bytes())
                .all(|c| c.is_ascii_digit()))
}

// A small regular-expression reader for the model's `pattern`s (ECMAScript syntax, search
// semantics as Smithy says): literals, `.`, classes with ranges and \d \w \s, groups,
// alternation, `^ $`, and the quantifiers `* + ? {n} {n,} {n,m}`. A pattern outside that
// is reported as unchecked (a warning), never as a pass.

#[derive(Debug)]
enum Atom {
    Char(char),
    Any,
    Class(bool, Vec<(char, char)>),
    Start,
    End,
    Group(Vec<Vec<Piece>>),
}

#[derive(Debug)]
struct Piece {
    atom: Atom,
    min: usize,
    max: usize,
}

fn pattern_matches(pattern: &str, text: &str) -> Result<bool, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    let alternatives = parse_alternatives(&chars, &mut at)?;
    if at != chars.len() {
        return Err(format!("an unmatched `)` at {at}"));
    }
    let input: Vec<char> = text.chars().collect();
    Ok((0..=input.len())
        .any(|start| match_alternatives(&alternatives, &input, start, &mut |_| true)))
}

fn parse_alternatives(p: &[char], at: &mut usize) -> Result<Vec<Vec<Piece>>, String> {
    let mut alternatives = vec![Vec::new()];
    while *at < p.len() {
        let c = p[*at];
        match c {
            ')' => break,
            '|' => {
                *at += 1;
                alternatives.push(Vec::new());
                continue;
            }
            _ => {}
        }
        *at += 1;
        let atom = match c {
            '^' => Atom::Start,
            '$' => Atom::End,
            '.' => Atom::Any,
            '(' => {
                if p.get(*at) == Some(&'?') {
                    if p.get(*at + 1) == Some(&':') {
                        *at += 2;
                    } else {
                        return Err("a `(?` group other than `(?:`".into());
                    }
                }
                let inner = parse_alternatives(p, at)?;
                if p.get(*at) != Some(&')') {
                    return Err("an unclosed `(`".into());
                }
                *at += 1;
                Atom::Group(inner)
            }
            '[' => parse_class(p, at)?,
            '\\' => {
                let e = *p.get(*at).ok_or("a trailing `\\`")?;
                *at += 1;
                match escape_class(e) {
                    Some(ranges) => Atom::Class(false, ranges),
                    None if e.is_ascii_alphanumeric() => {
                        return Err(format!("the escape \\{e}"));
                    }
                    None => Atom::Char(e),
                }
            }
            '*' | '+' | '?' | '{' => {
                return Err(format!("a quantifier `{c}` with nothing before it"))
            }
            other => Atom::Char(other),
        };
        let (min, max) = match p.get(*at) {
            Some('*') => (0, usize::MAX),
            Some('+') => (1, usize::MAX),
            Some('?') => (0, 1),
            Some('{') => {
                let close = p[*at..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("an unclosed `{`")?;
                let body: String = p[*at + 1..*at + close].iter().collect();
                let (lo, hi) = match body.split_once(',') {
                    Some((lo, "")) => (lo.parse().ok(), Some(usize::MAX)),
                    Some((lo, hi)) => (lo.parse().ok(), hi.parse().ok()),
                    None => (body.parse().ok(), body.parse().ok()),
                };
                let (Some(lo), Some(hi)) = (lo, hi) else {
                    return Err(format!("the quantifier {{{body}}}"));
                };
                *at += close;
                (lo, hi)
            }
            _ => (1, 1),
        };
        if (min, max) != (1, 1) {
            *at += 1;
            if matches!(p.get(*at), Some('?' | '+')) {
                return Err("a lazy or possessive quantifier".into());
            }
        }
        alternatives
            .last_mut()
            .expect("one alternative at least")
            .push(Piece { atom, min, max });
    }
    Ok(alternatives)
}

fn escape_class(e: char) -> Option<Vec<(char, char)>> {
    match e {
        'd' => Some(vec![('0', '9')]),
        'w' => Some(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]),
        's' => Some(vec![(' ', ' '), ('\t', '\r')]),
        _ => None,
    }
}

fn parse_class(p: &[char], at: &mut usize) -> Result<Atom, String> {
    let negated = p.get(*at) == Some(&'^');
    if negated {
        *at += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *p.get(*at).ok_or("an unclosed `[`")?;
        *at += 1;
        if c == ']' && !first {
            break;
        }
        first = false;
        let low = if c == '\\' {
            let e = *p.get(*at).ok_or("a trailing `\\`")?;
            *at += 1;
            if let Some(class) = escape_class(e) {
                ranges.extend(class);
                continue;
            }
            if e.is_ascii_alphanumeric() {
                return Err(format!("the escape \\{e} in a class"));
            }
            e
        } else {
            c
        };
        if p.get(*at) == Some(&'-') && p.get(*at + 1).is_some_and(|&n| n != ']') {
            let mut high = p[*at + 1];
            *at += 2;
            if high == '\\' {
                high = *p.get(*at).ok_or("a trailing `\\`")?;
                *at += 1;
            }
            if high < low {
                return Err(format!("the range {low}-{high}"));
            }
            ranges.push((low, high));
        } else {
            ranges.push((low, low));
        }
    }
    Ok(Atom::Class(negated, ranges))
}

fn match_alternatives(
    alternatives: &[Vec<Piece>],
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    alternatives
        .iter()
        .any(|seq| match_sequence(seq, s, pos, k))
}

fn match_sequence(seq: &[Piece], s: &[char], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match seq.split_first() {
        None => k(pos),
        Some((piece, rest)) => {
            match_repeat(piece, 0, s, pos, &mut |end| match_sequence(rest, s, end, k))
        }
    }
}

fn match_repeat(
    piece: &Piece,
    count: usize,
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if count < piece.max
        && match_atom(&piece.atom, s, pos, &mut |end| {
            (end != pos || count < piece.min) && match_repeat(piece, count + 1, s, end, k)
        })
    {
        return true;
    }
    count >= piece.min && k(pos)
}

fn match_atom(atom: &Atom, s: &[char], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match atom {
        Atom::Char(c) => s.get(pos) == Some(c) && k(pos + 1),
        Atom::Any => s.get(pos).is_some_and(|&c| c != '\n') && k(pos + 1),
        Atom::Class(negated, ranges) => {
            s.get(pos)
                .is_some_and(|&c| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated)
                && k(pos + 1)
        }
        Atom::Start => pos == 0 && k(pos),
        Atom::End => pos == s.len() && k(pos),
        Atom::Group(alternatives) => match_alternatives(alternatives, s, pos, k),
    }
}

/// Checks the pattern reader on the model's own patterns; the test file calls it.
pub fn pattern_self_check() -> Vec<String> {
    let cases: [(&str, &str, bool); 12] = [
        ("^[a-z][a-z0-9]*$", "ack1", true),
        ("^[a-z][a-z0-9]*$", "1ack", false),
        ("^[a-z][a-z0-9]*$", "ack-s3", false),
        ("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "argo-cd", true),
        ("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "a", true),
        ("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "argo-", false),
        ("^[0-9A-Za-z][A-Za-z0-9\\-_]*", "prod_1-a", true),
        ("^[0-9A-Za-z][A-Za-z0-9\\-_]*", "-prod", false),
        // Not anchored at the end: search semantics accept a trailing oddity.
        ("^[0-9A-Za-z][A-Za-z0-9\\-_]*", "prod!", true),
        ("a{2,3}b", "xaab", true),
        ("a{2,3}b", "ab", false),
        ("(x|yz)+$", "yzx", true),
    ];
    let mut wrong = Vec::new();
    for (pattern, text, expected) in cases {
        match pattern_matches(pattern, text) {
            Ok(got) if got == expected => {}
            other => wrong.push(format!(
                "{pattern} on {text:?}: {other:?}, expected {expected}"
            )),
        }
    }
    if pattern_matches("(?<n>x)", "x").is_ok() {
        wrong.push("a named group was read instead of refused".into());
    }
    wrong
}

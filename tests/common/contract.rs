//! Checks what poolctl sends and the emulator answers against the official GKE discovery
//! document in ../shared, the contract the real API enforces. The checking is done by
//! `discovery`, a reading of the document of its own: the emulator validates every request
//! with its own code, so calling that here could only ever agree with it.

pub mod aks;
pub mod discovery;
pub mod eks;

use discovery::{Direction, Discovery};
use poolctl_emulator::RecordedRequest;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Mutex, Once, OnceLock, PoisonError};

/// The official GKE v1 discovery document, read once per test binary. `None`, said once
/// on stderr, when it is absent outside CI; a panic when it is absent with `CI=true` (a skip
/// line in CI is one nobody reads) or when it cannot be read.
pub fn official_gke_contract() -> Option<&'static Discovery> {
    static LOADED: OnceLock<Result<Option<Discovery>, String>> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        let found = Discovery::read(&discovery::document_path())?;
        if found.is_none() {
            discovery::when_absent(std::env::var("CI").ok().as_deref())?;
        }
        Ok(found)
    });
    match loaded {
        Ok(Some(contract)) => Some(contract),
        Ok(None) => {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "skipped: the GKE contract check needs {} beside the repository \
                     (outside CI it skips; with CI=true it fails)",
                    discovery::DOCUMENT
                )
            });
            None
        }
        Err(why) => panic!("{why}"),
    }
}

/// What checking a request log found.
#[derive(Debug, Default)]
pub struct RequestAudit {
    /// Request bodies checked against a schema.
    pub bodies: usize,
    /// Every method seen, as `method id (request schema)` or `method id (no body)`.
    pub kinds: BTreeSet<String>,
    pub failures: Vec<String>,
    /// Documented "Required." fields left out (and deprecated fields sent), by method.
    pub warnings: BTreeSet<String>,
}

/// Checks every GKE request of an emulator's log: its path must be a method of the
/// document, its query parameters the method's, and its body (if the method takes one)
/// must follow the method's request schema.
pub fn audit_requests(contract: &Discovery, requests: &[RecordedRequest]) -> RequestAudit {
    let mut audit = RequestAudit::default();
    for request in requests {
        // The emulator also serves Compute's instance-group reads, another API with its
        // own document; a body anywhere but GKE's paths is still a failure below.
        if !request.path.starts_with("/v1/") && request.body.is_none() {
            continue;
        }
        let label = format!("{} {}", request.method, request.path);
        let method = match contract.method(&request.method, &request.path) {
            Ok(method) => method,
            Err(why) => {
                audit.failures.push(why);
                continue;
            }
        };
        for pair in request.query.iter().flat_map(|q| q.split('&')) {
            let name = pair.split('=').next().unwrap_or_default();
            if !name.is_empty() && !method.takes_query_parameter(contract, name) {
                audit.failures.push(format!(
                    "{label}: query parameter `{name}` is not one {} takes",
                    method.id
                ));
            }
        }
        match (method.request, &request.body) {
            (Some(schema), body) => {
                // An empty body is the empty message, as Google's front end reads it.
                let empty = json!({});
                let value = body.as_ref().unwrap_or(&empty);
                let found = contract.check_body(schema, value, Direction::Request);
                audit.failures.extend(
                    found
                        .failures
                        .iter()
                        .map(|f| format!("{label} ({schema}): {f}\n    body: {value}")),
                );
                audit
                    .warnings
                    .extend(found.warnings.iter().map(|w| format!("{}: {w}", method.id)));
                audit.kinds.insert(format!("{} ({schema})", method.id));
                audit.bodies += usize::from(body.is_some());
            }
            (None, Some(body)) => audit.failures.push(format!(
                "{label}: sends a body, but {} takes none: {body}",
                method.id
            )),
            (None, None) => {
                audit.kinds.insert(format!("{} (no body)", method.id));
            }
        }
    }
    audit
}

/// Checks one answer against the response schema of the method that produced it.
/// Returns the schema's name, or what is wrong.
pub fn audit_response(
    contract: &Discovery,
    verb: &str,
    path: &str,
    body: &Value,
) -> Result<String, Vec<String>> {
    let method = contract.method(verb, path).map_err(|why| vec![why])?;
    let Some(schema) = method.response else {
        return Err(vec![format!(
            "{verb} {path}: {} documents no response body",
            method.id
        )]);
    };
    let found = contract.check_body(schema, body, Direction::Response);
    if found.failures.is_empty() {
        Ok(schema.to_string())
    } else {
        Err(found
            .failures
            .iter()
            .map(|f| format!("{verb} {path} ({schema}): {f}"))
            .collect())
    }
}

/// Lists warnings on stderr, each once per test binary however many tests meet it, so
/// they can be gathered into a closing note.
pub fn note_warnings(warnings: &BTreeSet<String>) {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
    for warning in warnings {
        if seen.insert(warning.clone()) {
            eprintln!("contract warning: {warning}");
        }
    }
}

/// Asserts that every request poolctl sent (as the emulator recorded it) follows the
/// official contract, and that at least one body was checked. Skips, saying so, when
/// ../shared is absent outside CI; fails when it is absent in CI.
pub fn assert_bodies_follow_contract(requests: &[RecordedRequest]) {
    let Some(contract) = official_gke_contract() else {
        return;
    };
    let audit = audit_requests(contract, requests);
    note_warnings(&audit.warnings);
    assert!(
        audit.failures.is_empty(),
        "requests break the GKE contract ({}):\n{}",
        contract.describe(),
        audit.failures.join("\n")
    );
    assert!(audit.bodies > 0, "no request body was checked");
}

/// Asserts that one answer follows the response schema of its method, and returns the
/// schema's name (`None` when the check skips outside CI).
pub fn assert_response_follows_contract(verb: &str, path: &str, body: &Value) -> Option<String> {
    let contract = official_gke_contract()?;
    match audit_response(contract, verb, path, body) {
        Ok(schema) => Some(schema),
        Err(failures) => panic!(
            "an answer breaks the GKE contract ({}):\n{}\n    body: {body}",
            contract.describe(),
            failures.join("\n")
        ),
    }
}

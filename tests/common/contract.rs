//! Checks request bodies against the official GKE discovery document in ../shared, the
//! same contract the real API enforces. The emulator's validator walks the schemas; this
//! file finds which schema a request must follow from the document's own method table.

use poolctl_emulator::RecordedRequest;
use serde_json::Value;
use std::path::PathBuf;

/// The official GKE v1 discovery document, when the shared folder is beside the repo.
pub fn official_gke_contract() -> Option<Value> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/api-specs/gke/container.v1.json");
    let text = std::fs::read_to_string(&path).ok()?;
    serde_json::from_str(&text).ok()
}

/// The request schema of the method whose HTTP verb and path template match.
pub fn request_schema(contract: &Value, method: &str, path: &str) -> Option<String> {
    let mut found = None;
    visit_methods(&contract["resources"], &mut |m| {
        let verb = m["httpMethod"].as_str().unwrap_or_default();
        let template = m["flatPath"].as_str().unwrap_or_default();
        if verb == method && path_matches(template, path) {
            found = m["request"]["$ref"].as_str().map(str::to_string);
        }
    });
    found
}

fn visit_methods(resources: &Value, f: &mut dyn FnMut(&Value)) {
    let Some(map) = resources.as_object() else {
        return;
    };
    for resource in map.values() {
        if let Some(methods) = resource["methods"].as_object() {
            methods.values().for_each(&mut *f);
        }
        visit_methods(&resource["resources"], f);
    }
}

/// `v1/projects/{projectsId}/...:setSize` against `/v1/projects/acme/...:setSize`.
fn path_matches(template: &str, path: &str) -> bool {
    let path = path.trim_start_matches('/');
    let split = |s: &str| -> Vec<String> { s.split('/').map(str::to_string).collect() };
    let (t, p) = (split(template), split(path));
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            // A segment is a literal, `{var}`, or `{var}:verb`.
            match t.find('{') {
                None => t == p,
                Some(_) => match t.split_once("}:") {
                    Some((_, verb)) => p
                        .rsplit_once(':')
                        .is_some_and(|(name, v)| !name.is_empty() && v == verb),
                    None => !p.is_empty() && !p.contains(':'),
                },
            }
        })
}

/// Asserts that every request body poolctl sent follows the official contract, and that
/// at least one body was checked. Skips, saying so, when ../shared is absent.
pub fn assert_bodies_follow_contract(requests: &[RecordedRequest]) {
    let Some(contract) = official_gke_contract() else {
        eprintln!("skipped: ../shared/api-specs/gke/container.v1.json is not beside the repo");
        return;
    };
    let mut checked = 0;
    for request in requests {
        let Some(body) = &request.body else { continue };
        let schema =
            request_schema(&contract, &request.method, &request.path).unwrap_or_else(|| {
                panic!(
                    "{} {} is not a method of the GKE v1 contract",
                    request.method, request.path
                )
            });
        if let Err(why) = poolctl_emulator::gke_validate_body_with(&contract, &schema, body) {
            panic!(
                "{} {} does not follow {schema}: {why}\nbody: {body}",
                request.method, request.path
            );
        }
        checked += 1;
    }
    assert!(checked > 0, "no request body was checked");
}

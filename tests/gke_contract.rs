//! The GKE contract, checked by a reading of the official discovery document of its own
//! (`common::contract::discovery`): every kind of request poolctl can send, from real
//! CLI runs against the emulator, and every kind of answer the emulator gives; plus proof
//! that the checker does report each kind of broken body, and cannot skip in CI.

mod common;

use common::contract::discovery::{self, Direction, Discovery};
use common::contract::{
    assert_bodies_follow_contract, assert_response_follows_contract, audit_requests,
    audit_response, note_warnings, official_gke_contract,
};
use common::{applied_workspace, gke_blueprint, Emu, Workspace, ANALYTICS_POOLS};
use poolctl_emulator::{Fault, FaultKind, RecordedRequest};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const LOCATION: &str = "/v1/projects/acme/locations/europe-west1";

/// One pool of each class and capacity, and one with every GKE setting poolctl creates.
const POOLS: &str = r#"[pools.core]
class = "core"
machine_type = "e2-standard-4"
size = 2
zones = ["europe-west1-b", "europe-west1-c"]

[pools.highmem]
class = "workload"
machine_type = "n2-highmem-16"
disk_gb = 100
autoscale = { min = 0, max = 10 }
labels = { "high-memory" = "true" }
taints = ["high-memory=true:NoExecute"]

[pools.highmem.gke]
image_type = "COS_CONTAINERD"
disk_type = "pd-balanced"
service_account = "highmem@acme.iam.gserviceaccount.com"
oauth_scopes = ["https://www.googleapis.com/auth/logging.write", "https://www.googleapis.com/auth/monitoring"]
max_pods_per_node = 64

[pools.gpu]
class = "gpu"
machine_type = "n1-standard-8"
gpu = { type = "nvidia-tesla-t4", count = 1 }
autoscale = { min = 0, max = 4 }

[pools.spot-gpu]
class = "gpu"
spot = true
machine_type = "g2-standard-8"
gpu = { type = "nvidia-l4", count = 1 }
autoscale = { min = 0, max = 4 }

[pools.batch]
class = "spot"
machine_type = "n2-standard-8"
autoscale = { min = 0, max = 20 }

[pools.jobs]
class = "workload"
machine_type = "n2-standard-8"
autoscale = { min = 0, max = 6 }
"#;

/// Applies `pools`, checks that the next plan is empty, and returns the changes the
/// cloud accepted (a throttled request the provider sends again is recorded twice).
fn step(emu: &Emu, ws: &Workspace, pools: &str) -> Vec<RecordedRequest> {
    let before = emu.mutations().len();
    ws.write(&gke_blueprint(&emu.endpoint(), pools));
    ws.apply_ok();
    ws.assert_no_changes();
    accepted(emu.mutations_since(before))
}

fn accepted(requests: Vec<RecordedRequest>) -> Vec<RecordedRequest> {
    requests
        .into_iter()
        .filter(|r| (200..300).contains(&r.status))
        .collect()
}

/// Replaces the first `from` in `pools` with `to`, then applies it as [`step`] does.
fn edit(
    emu: &Emu,
    ws: &Workspace,
    pools: &mut String,
    from: &str,
    to: &str,
) -> Vec<RecordedRequest> {
    assert!(pools.contains(from), "{from:?} in:\n{pools}");
    *pools = pools.replacen(from, to, 1);
    step(emu, ws, pools)
}

/// `(method, path after the cluster, body keys)` of each request, for readable asserts.
fn shapes(sent: &[RecordedRequest]) -> Vec<(String, String, Vec<String>)> {
    sent.iter()
        .map(|r| {
            let after = r
                .path
                .split_once("/clusters/analytics")
                .map_or(r.path.as_str(), |(_, after)| after);
            let keys = r
                .body
                .as_ref()
                .and_then(Value::as_object)
                .map(|b| b.keys().cloned().collect())
                .unwrap_or_default();
            (r.method.clone(), after.to_string(), keys)
        })
        .collect()
}

fn shape(method: &str, after: &str, keys: &[&str]) -> (String, String, Vec<String>) {
    (
        method.to_string(),
        after.to_string(),
        keys.iter().map(|k| k.to_string()).collect(),
    )
}

/// One blueprint edit after another against one emulator, so that every kind of request
/// the GKE provider makes is sent for real, then checked, all of them, against the document.
#[test]
fn every_kind_of_request_poolctl_sends_follows_the_document() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), POOLS));
    ws.apply_ok();
    ws.assert_no_changes();
    let creates: Vec<Value> = accepted(emu.mutations())
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/nodePools"))
        .filter_map(|r| r.body.clone())
        .collect();
    assert_eq!(creates.len(), 6, "{creates:?}");
    let created = |name: &str| -> Value {
        creates
            .iter()
            .map(|b| b["nodePool"].clone())
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} created: {creates:?}"))
    };
    assert_eq!(created("spot-gpu")["config"]["spot"], true);
    assert_eq!(created("batch")["config"]["spot"], true);
    assert_eq!(
        created("highmem")["maxPodsConstraint"]["maxPodsPerNode"],
        "64"
    );
    assert_eq!(created("highmem")["config"]["diskType"], "pd-balanced");

    // A pool made by hand, adopted further down.
    emu.by_hand(
        reqwest::Method::POST,
        "/nodePools",
        json!({"nodePool": {"name": "legacy", "initialNodeCount": 1,
            "config": {"machineType": "e2-medium"}}}),
    );

    let mut pools = POOLS.to_string();
    let highmem = "/nodePools/highmem";

    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        "labels = { \"high-memory\" = \"true\" }",
        "labels = { \"high-memory\" = \"true\", tier = \"gold\" }",
    );
    assert_eq!(shapes(&sent), [shape("PUT", highmem, &["labels"])]);

    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        "high-memory=true:NoExecute",
        "high-memory=true:NoSchedule",
    );
    assert_eq!(shapes(&sent), [shape("PUT", highmem, &["taints"])]);

    // The node-recreating fields, in one request.
    pools = pools
        .replacen("\"n2-highmem-16\"", "\"n2-highmem-32\"", 1)
        .replacen("disk_gb = 100", "disk_gb = 200", 1)
        .replacen("\"pd-balanced\"", "\"pd-ssd\"", 1);
    let sent = step(&emu, &ws, &pools);
    assert_eq!(
        shapes(&sent),
        [shape(
            "PUT",
            highmem,
            &["diskSizeGb", "diskType", "machineType"]
        )]
    );

    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        "zones = [\"europe-west1-b\", \"europe-west1-c\"]",
        "zones = [\"europe-west1-b\", \"europe-west1-d\"]",
    );
    assert_eq!(
        shapes(&sent),
        [shape("PUT", "/nodePools/core", &["locations"])]
    );

    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        // N1 machines take 1, 2 or 4 T4s; a G2's L4 count is fixed by its machine type.
        "gpu = { type = \"nvidia-tesla-t4\", count = 1 }",
        "gpu = { type = \"nvidia-tesla-t4\", count = 2 }",
    );
    assert_eq!(
        shapes(&sent),
        [shape("PUT", "/nodePools/gpu", &["accelerators"])]
    );

    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        "\"COS_CONTAINERD\"",
        "\"UBUNTU_CONTAINERD\"",
    );
    assert_eq!(shapes(&sent), [shape("PUT", highmem, &["imageType"])]);

    // Adoption: the blueprint names the hand-made pool, which gets poolctl's tags.
    pools.push_str(
        "\n[pools.legacy]\nclass = \"workload\"\nmachine_type = \"e2-medium\"\nsize = 3\n",
    );
    let sent = step(&emu, &ws, &pools);
    assert_eq!(
        shapes(&sent),
        [shape("PUT", "/nodePools/legacy", &["resourceLabels"])]
    );

    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        "autoscale = { min = 0, max = 20 }",
        "autoscale = { min = 1, max = 30 }",
    );
    assert_eq!(
        shapes(&sent),
        [shape(
            "POST",
            "/nodePools/batch:setAutoscaling",
            &["autoscaling"]
        )]
    );
    assert_eq!(
        sent[0].body.as_ref().expect("body")["autoscaling"]["enabled"],
        true
    );

    // From autoscaling to a static size: autoscaling off first, then the size.
    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        "autoscale = { min = 0, max = 6 }",
        "size = 3",
    );
    assert_eq!(
        shapes(&sent),
        [
            shape("POST", "/nodePools/jobs:setAutoscaling", &["autoscaling"]),
            shape("POST", "/nodePools/jobs:setSize", &["nodeCount"]),
        ]
    );
    assert_ne!(
        sent[0].body.as_ref().expect("body")["autoscaling"]["enabled"],
        true
    );

    let sent = edit(&emu, &ws, &mut pools, "size = 2", "size = 4");
    assert_eq!(
        shapes(&sent),
        [shape("POST", "/nodePools/core:setSize", &["nodeCount"])]
    );

    let sent = edit(
        &emu,
        &ws,
        &mut pools,
        "[pools.batch]\nclass = \"spot\"\nmachine_type = \"n2-standard-8\"\nautoscale = { min = 1, max = 30 }\n",
        "",
    );
    assert_eq!(shapes(&sent), [shape("DELETE", "/nodePools/batch", &[])]);

    // All of it, the reads and the hand-made pool too, against the document.
    let requests = emu.requests();
    assert_bodies_follow_contract(&requests);
    let Some(contract) = official_gke_contract() else {
        return;
    };
    let audit = audit_requests(contract, &requests);
    assert!(audit.failures.is_empty(), "{}", audit.failures.join("\n"));
    let pools_api = "container.projects.locations.clusters.nodePools";
    for kind in [
        format!("{pools_api}.create (CreateNodePoolRequest)"),
        format!("{pools_api}.update (UpdateNodePoolRequest)"),
        format!("{pools_api}.setAutoscaling (SetNodePoolAutoscalingRequest)"),
        format!("{pools_api}.setSize (SetNodePoolSizeRequest)"),
        format!("{pools_api}.delete (no body)"),
    ] {
        assert!(
            audit.kinds.contains(&kind),
            "{kind} not seen in {:#?}",
            audit.kinds
        );
    }
    eprintln!(
        "contract: {} request bodies checked; methods seen:\n  {}",
        audit.bodies,
        audit.kinds.iter().cloned().collect::<Vec<_>>().join("\n  ")
    );
    note_warnings(&audit.warnings);

    // The emulator's answers in this richer state (accelerators, settings, adoption).
    assert_answers_follow_contract(&emu);
}

/// GETs `path` (under the emulator's endpoint) and checks the answer against the response
/// schema of its method. Returns the body and the schema's name.
fn read(emu: &Emu, path: &str) -> (Value, Option<String>) {
    let answer = reqwest::blocking::Client::new()
        .get(format!("{}{path}", emu.endpoint()))
        .send()
        .expect("emulator answers");
    assert!(
        answer.status().is_success(),
        "GET {path}: {:?}",
        answer.status()
    );
    let body: Value = answer.json().expect("a JSON answer");
    let schema = assert_response_follows_contract("GET", path, &body);
    (body, schema)
}

/// Reads the cluster, its pools one by one and as a list, and every operation, one by one
/// and as a list, and checks each answer against the document.
fn assert_answers_follow_contract(emu: &Emu) {
    let cluster = format!("{LOCATION}/clusters/analytics");
    let mut schemas = BTreeSet::new();
    let (_, schema) = read(emu, &cluster);
    schemas.extend(schema);
    let (list, schema) = read(emu, &format!("{cluster}/nodePools"));
    schemas.extend(schema);
    let pools = list["nodePools"].as_array().expect("node pools listed");
    assert!(!pools.is_empty());
    for pool in pools {
        let name = pool["name"].as_str().expect("a pool name");
        schemas.extend(read(emu, &format!("{cluster}/nodePools/{name}")).1);
    }
    let (list, schema) = read(emu, &format!("{LOCATION}/operations"));
    schemas.extend(schema);
    let operations = list["operations"].as_array().expect("operations listed");
    assert!(!operations.is_empty());
    for operation in operations {
        let name = operation["name"].as_str().expect("an operation name");
        schemas.extend(read(emu, &format!("{LOCATION}/operations/{name}")).1);
    }
    if official_gke_contract().is_some() {
        let expected = [
            "Cluster",
            "ListNodePoolsResponse",
            "ListOperationsResponse",
            "NodePool",
            "Operation",
        ];
        assert_eq!(schemas, expected.map(String::from).into());
    }
}

#[test]
fn the_emulators_answers_follow_the_document() {
    let emu = Emu::start();
    let _ws = applied_workspace(&emu, ANALYTICS_POOLS);
    assert_answers_follow_contract(&emu);

    // A running operation, straight from the call that starts it, and a failed one.
    emu.emulator.inject_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some(":setSize".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "Insufficient regional quota to satisfy request".into(),
        },
    });
    let path = format!("{LOCATION}/clusters/analytics/nodePools/core:setSize");
    let started: Value = reqwest::blocking::Client::new()
        .post(format!("{}{path}", emu.endpoint()))
        .json(&json!({"nodeCount": 2}))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("an operation");
    assert_eq!(started["status"], "RUNNING", "{started}");
    assert_response_follows_contract("POST", &path, &started);
    let name = started["name"].as_str().expect("an operation name");
    // Operations end after a few status polls (no clock involved).
    let failed = (0..10)
        .map(|_| read(&emu, &format!("{LOCATION}/operations/{name}")).0)
        .find(|op| op["status"] == "DONE")
        .expect("the operation ends");
    assert!(failed["error"]["code"].is_number(), "{failed}");
    assert_answers_follow_contract(&emu);
}

/// Bodies of each kind of mistake, each of which must be reported as such, and alone.
#[test]
fn the_checker_reports_each_kind_of_broken_body() {
    let Some(contract) = official_gke_contract() else {
        return;
    };
    let good = json!({"nodePool": {
        "name": "jobs",
        "initialNodeCount": 1,
        "locations": ["europe-west1-b"],
        "config": {
            "machineType": "g2-standard-8",
            "diskSizeGb": 100,
            "spot": true,
            "labels": {"team": "data"},
            "resourceLabels": {"poolctl-pool": "jobs"},
            "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
            "accelerators": [{"acceleratorType": "nvidia-l4", "acceleratorCount": "1"}],
            "oauthScopes": ["https://www.googleapis.com/auth/monitoring"]
        },
        "autoscaling": {"enabled": true, "totalMinNodeCount": 0, "totalMaxNodeCount": 4},
        "maxPodsConstraint": {"maxPodsPerNode": "32"}
    }});
    let create = "CreateNodePoolRequest";
    let found = contract.check_body(create, &good, Direction::Request);
    assert!(found.failures.is_empty(), "{:?}", found.failures);
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);

    let broken = |pointer: &str, value: Value| {
        let mut body = good.clone();
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        body.pointer_mut(parent).expect("parent")[key] = value;
        body
    };
    let cases = [
        (
            "unknown field",
            broken("/nodePool/config/machineTyp", json!("e2-medium")),
            "nodePool.config.machineTyp: unknown field",
        ),
        (
            "wrong type: int32 as a string",
            broken("/nodePool/initialNodeCount", json!("1")),
            "nodePool.initialNodeCount: expected a JSON number",
        ),
        (
            "wrong type: boolean as a string",
            broken("/nodePool/config/spot", json!("true")),
            "nodePool.config.spot: expected a JSON boolean",
        ),
        (
            "wrong type: a label value that is not a string",
            broken("/nodePool/config/labels/team", json!(7)),
            "nodePool.config.labels[\"team\"]: expected a JSON string",
        ),
        (
            "wrong type: an object for an array",
            broken("/nodePool/locations", json!({"zone": "europe-west1-b"})),
            "nodePool.locations: expected a JSON array",
        ),
        (
            "bad enum",
            broken("/nodePool/config/taints/0/effect", json!("NoSchedule")),
            "nodePool.config.taints[0].effect: \"NoSchedule\" is not one of the enum values",
        ),
        (
            "output-only field sent",
            broken("/nodePool/status", json!("RUNNING")),
            "nodePool.status: output-only field sent",
        ),
        (
            "int64 as a JSON number",
            broken("/nodePool/maxPodsConstraint/maxPodsPerNode", json!(32)),
            "nodePool.maxPodsConstraint.maxPodsPerNode: int64 sent as the JSON number 32",
        ),
        (
            "int64 string that is no integer",
            broken(
                "/nodePool/config/accelerators/0/acceleratorCount",
                json!("one"),
            ),
            "acceleratorCount: \"one\" is not an int64 integer",
        ),
        (
            "int32 out of range",
            broken("/nodePool/initialNodeCount", json!(4_294_967_296_i64)),
            "4294967296 is not an int32 value",
        ),
    ];
    for (what, body, expected) in cases {
        let found = contract.check_body(create, &body, Direction::Request);
        assert_eq!(found.failures.len(), 1, "{what}: {:?}", found.failures);
        assert!(
            found.failures[0].contains(expected),
            "{what}: expected {expected:?} in {:?}",
            found.failures[0]
        );
    }

    // Left-out "Required." fields are warnings, not failures.
    let found = contract.check_body(
        "UpdateNodePoolRequest",
        &json!({"labels": {"labels": {"team": "data"}}}),
        Direction::Request,
    );
    assert!(found.failures.is_empty(), "{:?}", found.failures);
    assert!(
        found
            .warnings
            .iter()
            .any(|w| w.starts_with("UpdateNodePoolRequest.imageType is documented \"Required.\"")),
        "{:?}",
        found.warnings
    );

    // Through the request log: a path no method has, and a body where a method takes none.
    let pool = format!("{LOCATION}/clusters/analytics/nodePools/jobs");
    let request = |method: &str, path: &str, body: Option<Value>| RecordedRequest {
        method: method.into(),
        path: path.into(),
        query: None,
        body,
        status: 200,
        authorization: None,
        if_match: None,
        if_none_match: None,
        response: None,
    };
    let audit = audit_requests(
        contract,
        &[
            request("POST", &format!("{pool}:setColour"), Some(json!({}))),
            request("DELETE", &pool, Some(json!({"force": true}))),
            request("PUT", &pool, Some(json!({"diskSizeGb": 100}))),
            request(
                "POST",
                &format!("{pool}:setSize"),
                Some(json!({"nodeCount": 2})),
            ),
        ],
    );
    let failures = audit.failures.join("\n");
    assert_eq!(audit.failures.len(), 3, "{failures}");
    assert!(
        failures.contains(":setColour is not a method of"),
        "{failures}"
    );
    assert!(failures.contains("sends a body, but"), "{failures}");
    assert!(
        failures.contains("int64 sent as the JSON number 100"),
        "{failures}"
    );

    // Answers: output-only fields are what they are for; unknown fields and bad enums fail.
    let get_pool = |body: Value| audit_response(contract, "GET", &pool, &body);
    assert_eq!(
        get_pool(json!({"name": "jobs", "status": "RUNNING", "etag": "1"})),
        Ok("NodePool".to_string())
    );
    let wrong = get_pool(json!({"name": "jobs", "status": "READY", "colour": "blue"}))
        .expect_err("a broken NodePool");
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    assert!(wrong[0].contains("colour: unknown field"), "{wrong:?}");
    assert!(
        wrong[1].contains("\"READY\" is not one of the enum values"),
        "{wrong:?}"
    );
    let operation = format!("{LOCATION}/operations/operation-1");
    let wrong = audit_response(
        contract,
        "GET",
        &operation,
        &json!({"name": "operation-1", "status": "DONE", "error": {"code": "13"}}),
    )
    .expect_err("a broken Operation");
    assert!(
        wrong[0].contains("error.code: expected a JSON number"),
        "{wrong:?}"
    );
}

/// Without the document, CI fails instead of skipping; a developer's checkout skips.
#[test]
fn an_absent_document_fails_in_ci_and_skips_elsewhere() {
    let why = discovery::when_absent(Some("true")).expect_err("CI cannot skip");
    assert!(why.contains("cannot be skipped in CI"), "{why}");
    assert!(
        why.contains("../shared/api-specs/gke/container.v1.json"),
        "{why}"
    );
    assert!(discovery::when_absent(None).is_ok());
    assert!(discovery::when_absent(Some("false")).is_ok());
    let nowhere = std::env::temp_dir().join("poolctl-no-such-dir/container.v1.json");
    assert!(matches!(Discovery::read(&nowhere), Ok(None)));
    assert!(Discovery::from_value(json!({"kind": "not a discovery document"})).is_err());
}

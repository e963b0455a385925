//! The AKS contract checker (`scripts/check-aks-contract.py`, driven by
//! `common::contract::aks`) can pass and can fail: Microsoft's official ARM examples
//! conform, each kind of broken body is refused with its own message, and its missing
//! inputs (the SDK, the examples) fail under CI=true instead of skipping.

mod common;

use common::contract::aks::{
    check_aks_traffic, checker_or_skip, examples_input, official_examples, run_checker,
    traffic_input, when_unavailable, AksReport, Unavailable, INSTALL,
};
use poolctl_emulator::RecordedRequest;
use serde_json::{json, Value};

const POOLS: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/analytics/agentPools";

/// A pool body with every property poolctl may send, all of them right.
fn good_body() -> Value {
    json!({
        "name": "gpu",
        "properties": {
            "count": 3,
            "vmSize": "Standard_NC4as_T4_v3",
            "mode": "User",
            "osType": "Linux",
            "osSKU": "AzureLinux",
            "type": "VirtualMachineScaleSets",
            "orchestratorVersion": "1.33",
            "enableAutoScaling": true,
            "minCount": 0,
            "maxCount": 4,
            "maxPods": 64,
            "osDiskSizeGB": 128,
            "osDiskType": "Managed",
            "vnetSubnetID": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes",
            "availabilityZones": ["1", "2"],
            "nodeLabels": {"accelerator": "nvidia", "poolctl.dev/class": "gpu"},
            "nodeTaints": ["nvidia.com/gpu=present:NoSchedule", "dedicated:NoExecute", "batch=:PreferNoSchedule"],
            "tags": {"owner": "poolctl"},
            "scaleSetPriority": "Spot",
            "scaleSetEvictionPolicy": "Delete",
            "spotMaxPrice": -1,
            "upgradeSettings": {"maxSurge": "33%"},
            "gpuProfile": {"driver": "Install"}
        }
    })
}

fn put(pool: &str, body: Value) -> Value {
    json!({
        "method": "PUT",
        "path": format!("{POOLS}/{pool}"),
        "query": "api-version=2026-08-01",
        "body": body,
    })
}

/// `good_body()` with `properties.<key>` set to `value`.
fn with_property(key: &str, value: Value) -> Value {
    let mut body = good_body();
    body["properties"][key] = value;
    body
}

/// A GET answer for a pool, as the service gives it.
fn good_answer() -> Value {
    let mut body = good_body();
    body["id"] = json!(format!("{POOLS}/gpu"));
    body["type"] = json!("Microsoft.ContainerService/managedClusters/agentPools");
    body["systemData"] = json!({
        "createdBy": "poolctl",
        "createdByType": "Application",
        "createdAt": "2026-11-30T12:00:00.1234567Z",
    });
    let props = body["properties"].as_object_mut().unwrap();
    props.insert("provisioningState".into(), json!("Succeeded"));
    props.insert("eTag".into(), json!("0f8b1e4c"));
    props.insert("currentOrchestratorVersion".into(), json!("1.33.2"));
    props.insert(
        "nodeImageVersion".into(),
        json!("AKSAzureLinux-V3gen2-202611.10.0"),
    );
    props.insert("powerState".into(), json!({"code": "Running"}));
    props.insert("status".into(), json!({}));
    body
}

/// The one violation at `where_prefix` in `report`, which must contain `message`.
fn assert_refused(report: &AksReport, where_prefix: &str, message: &str) {
    let found = report.violations_at(where_prefix);
    assert!(
        found.iter().any(|v| v.contains(message)),
        "expected a violation at `{where_prefix}` containing {message:?}, found {found:#?}\n\
         the checker said:\n{}",
        report.output
    );
}

/// (a) Every official example conforms: its request (the PUT body, or no body for GET and
/// DELETE) and every response body it shows.
#[test]
fn the_official_examples_conform() {
    let Some(examples) = official_examples() else {
        return;
    };
    let operations: std::collections::BTreeSet<&str> = examples
        .iter()
        .filter_map(|(_, e)| e["operationId"].as_str())
        .collect();
    for operation in [
        "AgentPools_CreateOrUpdate",
        "AgentPools_Get",
        "AgentPools_List",
        "AgentPools_Delete",
    ] {
        assert!(
            operations.contains(operation),
            "no official example of {operation}: {operations:?}"
        );
    }
    let input = examples_input(&examples);
    let puts = input["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "PUT")
        .count();
    let answers = input["responses"].as_array().unwrap().len();
    assert!(puts >= 4, "{input}");
    assert!(answers >= 10, "{input}");
    let Some(report) = checker_or_skip(&input) else {
        return;
    };
    assert!(
        report.conforms,
        "the official examples break the checker's reading:\n{}",
        report.output
    );
    assert!(report.warnings.is_empty(), "{}", report.output);
    assert!(
        report.summary.starts_with(&format!(
            "{} requests, {answers} responses checked ({puts} PUT bodies",
            examples.len()
        )),
        "{}",
        report.summary
    );
}

/// A body with everything right passes, with nothing to warn about.
#[test]
fn a_body_with_everything_right_passes() {
    let input = json!({
        "requests": [
            put("gpu", good_body()),
            {"method": "GET", "path": format!("{POOLS}/gpu"), "query": "api-version=2026-08-01", "body": null},
            {"method": "GET", "path": POOLS, "query": "api-version=2026-08-01", "body": null},
            {"method": "DELETE", "path": format!("{POOLS}/gpu"), "query": "api-version=2026-08-01", "body": null},
        ],
        "responses": [
            {"what": "GET gpu", "body": good_answer()},
            {"what": "GET pools", "body": {"value": [good_answer()], "nextLink": null}},
            {"what": "GET missing", "body": {"error": {"code": "NotFound", "message": "agent pool not found"}}},
        ],
    });
    let Some(report) = checker_or_skip(&input) else {
        return;
    };
    assert!(report.conforms, "{}", report.output);
    assert!(report.warnings.is_empty(), "{}", report.output);
    assert!(
        report
            .summary
            .starts_with("4 requests, 3 responses checked (1 PUT bodies, 3 without body"),
        "{}",
        report.summary
    );
}

/// (b) Each kind of broken request is refused, with its own message, at its own request.
#[test]
fn each_kind_of_broken_request_is_refused() {
    let mut status_sent = good_body();
    status_sent["properties"]["status"] = json!({});
    let mut top_level_unknown = good_body();
    top_level_unknown["location"] = json!("westeurope");
    let mut id_sent = good_body();
    id_sent["id"] = json!(format!("{POOLS}/gpu"));
    let cases: Vec<(Value, &str)> = vec![
        (
            put("gpu", with_property("provisioningState", json!("Succeeded"))),
            "at properties.provisioningState: read-only property sent",
        ),
        (
            put("gpu", with_property("eTag", json!("abc"))),
            "at properties.eTag: read-only property sent",
        ),
        (
            put(
                "gpu",
                with_property("currentOrchestratorVersion", json!("1.33.2")),
            ),
            "at properties.currentOrchestratorVersion: read-only property sent",
        ),
        (
            put("gpu", status_sent),
            "at properties.status: read-only property sent: everything in",
        ),
        (put("gpu", id_sent), "at id: read-only property sent"),
        (
            put("gpu", with_property("vmsize", json!("Standard_D4s_v5"))),
            "at properties.vmsize: unknown property `vmsize`: AgentPoolManagedClusterAgentPoolProfileProperties has none (did you mean `vmSize`?",
        ),
        (
            put("gpu", top_level_unknown),
            "at location: unknown property `location`: AgentPool has none",
        ),
        (
            put("gpu", with_property("count", json!("3"))),
            "at properties.count: expected an integer, found the string \"3\"",
        ),
        (
            put("gpu", with_property("count", json!(2.5))),
            "at properties.count: expected an integer, found the number 2.5",
        ),
        (
            put("gpu", with_property("enableAutoScaling", json!("true"))),
            "at properties.enableAutoScaling: expected a boolean",
        ),
        (
            put("gpu", with_property("availabilityZones", json!("1"))),
            "at properties.availabilityZones: expected an array",
        ),
        (
            put("gpu", with_property("availabilityZones", json!([1]))),
            "at properties.availabilityZones[0]: expected a string, found the number 1",
        ),
        (
            put("gpu", with_property("nodeLabels", json!({"tier": 1}))),
            "at properties.nodeLabels[\"tier\"]: expected a string, found the number 1",
        ),
        (
            put("gpu", with_property("nodeLabels", json!(["tier=gold"]))),
            "at properties.nodeLabels: expected an object (a map), found an array",
        ),
        (
            put("gpu", with_property("tags", json!({"owner": true}))),
            "at properties.tags[\"owner\"]: expected a string",
        ),
        (
            put("gpu", with_property("mode", json!("Primary"))),
            "at properties.mode: \"Primary\" is not a known AgentPoolMode value [System, User, Gateway]",
        ),
        (
            put("gpu", with_property("scaleSetPriority", json!("Cheap"))),
            "at properties.scaleSetPriority: \"Cheap\" is not a known ScaleSetPriority value [Spot, Regular]",
        ),
        (
            put("gpu", with_property("scaleSetPriority", json!("spot"))),
            "(the model spells it \"Spot\")",
        ),
        (
            put("gpu", with_property("nodeTaints", json!(["gpu=true"]))),
            "at properties.nodeTaints[0]: malformed taint \"gpu=true\": expected key[=value]:Effect",
        ),
        (
            put(
                "gpu",
                with_property("nodeTaints", json!(["gpu=true:NoSchedul"])),
            ),
            "effect \"NoSchedul\" is not one of NoSchedule, PreferNoSchedule, NoExecute",
        ),
        (
            put(
                "gpu",
                with_property("nodeTaints", json!(["gpu=true:no_schedule"])),
            ),
            "effect \"no_schedule\" is not one of",
        ),
        (
            put("gpu", with_property("nodeTaints", json!(["=true:NoSchedule"]))),
            "is not a Kubernetes key",
        ),
        (
            put("gpu", with_property("nodeTaints", json!("gpu=true:NoSchedule"))),
            "at properties.nodeTaints: expected an array",
        ),
        (
            put("gpu", with_property("upgradeSettings", json!({"maxsurge": "1"}))),
            "unknown property `maxsurge`: AgentPoolUpgradeSettings has none",
        ),
        (
            put("gpu", json!({"name": "other", "properties": {"count": 1}})),
            "at name: \"other\" does not match the pool name in the path \"gpu\"",
        ),
        (
            put("gpu", json!({"properties": "count=3"})),
            "at properties: expected a AgentPoolManagedClusterAgentPoolProfileProperties object",
        ),
        (
            put("spot-gpu", json!({"properties": {"count": 1}})),
            "agent pool name \"spot-gpu\" does not match ^[a-z][a-z0-9]{0,11}$",
        ),
        (
            put("gpu", Value::Null),
            "a PUT of an agent pool must send the AgentPool as its body",
        ),
        (
            json!({"method": "GET", "path": format!("{POOLS}/gpu"), "query": "api-version=2026-08-01", "body": {}}),
            "a GET carries no body",
        ),
        (
            json!({"method": "DELETE", "path": format!("{POOLS}/gpu"), "query": "api-version=2026-08-01", "body": {"properties": {}}}),
            "a DELETE carries no body",
        ),
        (
            json!({"method": "PATCH", "path": format!("{POOLS}/gpu"), "query": "api-version=2026-08-01", "body": {"properties": {"count": 2}}}),
            "sends a body to a call this check does not know",
        ),
        (
            json!({"method": "GET", "path": format!("{POOLS}/gpu"), "query": "api-version=2025-01-01", "body": null}),
            "api-version must be 2026-08-01",
        ),
        (
            json!({"method": "GET", "path": format!("{POOLS}/gpu"), "query": null, "body": null}),
            "api-version must be 2026-08-01",
        ),
    ];
    let requests: Vec<Value> = cases.iter().map(|(request, _)| request.clone()).collect();
    let Some(report) = checker_or_skip(&json!({"requests": requests, "responses": []})) else {
        return;
    };
    assert!(!report.conforms, "{}", report.output);
    for (i, (_, message)) in cases.iter().enumerate() {
        assert_refused(&report, &format!("request[{i}] "), message);
    }
    // Each case breaks one rule only, so nothing else is reported against it.
    for (i, _) in cases.iter().enumerate() {
        let found = report.violations_at(&format!("request[{i}] "));
        assert_eq!(found.len(), 1, "request[{i}]: {found:#?}");
    }
}

/// (b) Each kind of broken answer is refused; an unknown value of an extensible enum
/// (AgentPoolMode, modelAsString: true in the swagger) is a warning, not a failure.
#[test]
fn each_kind_of_broken_answer_is_refused() {
    let mut no_etag = good_answer();
    no_etag["properties"]
        .as_object_mut()
        .unwrap()
        .remove("eTag");
    let mut no_state = good_answer();
    no_state["properties"]
        .as_object_mut()
        .unwrap()
        .remove("provisioningState");
    let mut numeric_state = good_answer();
    numeric_state["properties"]["provisioningState"] = json!(3);
    let mut unknown = good_answer();
    unknown["properties"]["nodepoolVersion"] = json!("x");
    let mut bad_taint = good_answer();
    bad_taint["properties"]["nodeTaints"] = json!(["kubernetes.azure.com/scalesetpriority=spot"]);
    let mut wrong_id = good_answer();
    wrong_id["id"] = json!(format!("{POOLS}/other"));
    let mut new_mode = good_answer();
    new_mode["properties"]["mode"] = json!("Primary");
    let cases: Vec<(Value, &str)> = vec![
        (no_etag, "at properties.eTag: missing"),
        (no_state, "at properties.provisioningState: missing"),
        (
            numeric_state,
            "at properties.provisioningState: expected a string, found the number 3",
        ),
        (unknown, "at properties.nodepoolVersion: unknown property"),
        (bad_taint, "at properties.nodeTaints[0]: malformed taint"),
        (wrong_id, "at id: "),
        (
            json!({"value": [{"name": "gpu", "properties": {"eTag": "e"}}]}),
            "at value[0].properties.provisioningState: missing",
        ),
        (
            json!({"value": {"gpu": good_answer()}}),
            "at value: required array of AgentPool",
        ),
        (
            json!({"value": [], "nextLink": 2}),
            "at nextLink: expected a URI string",
        ),
        (
            json!({"value": [], "count": 0}),
            "at count: unknown property `count`: AgentPoolListResult",
        ),
    ];
    let mut responses: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, (body, _))| json!({"what": format!("case {i}"), "body": body}))
        .collect();
    let warned = responses.len();
    responses.push(json!({"what": "new mode", "body": new_mode}));
    let Some(report) = checker_or_skip(&json!({"requests": [], "responses": responses})) else {
        return;
    };
    for (i, (_, message)) in cases.iter().enumerate() {
        assert_refused(&report, &format!("response[{i}] "), message);
    }
    assert!(
        report
            .violations_at(&format!("response[{warned}] "))
            .is_empty(),
        "{}",
        report.output
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.starts_with(&format!("response[{warned}] "))
                && w.contains("\"Primary\" is not a known AgentPoolMode value")
                && w.contains("extensible")),
        "{}",
        report.output
    );
}

/// The Rust helper turns an emulator's request log into the checker's input, passes
/// conforming traffic, and panics with the checker's own lines on a violation.
#[test]
fn the_helper_checks_recorded_traffic_and_panics_with_the_checkers_output() {
    let recorded = |method: &str, path: String, body: Option<Value>| RecordedRequest {
        method: method.to_string(),
        path,
        query: Some("api-version=2026-08-01".to_string()),
        body,
        status: 200,
        authorization: Some("Bearer token".to_string()),
        if_match: None,
        if_none_match: None,
        response: None,
    };
    let good = vec![
        recorded("PUT", format!("{POOLS}/gpu"), Some(good_body())),
        recorded("GET", format!("{POOLS}/gpu"), None),
    ];
    let answers = vec![("GET gpu".to_string(), good_answer())];
    let input = traffic_input(&good, &answers);
    assert_eq!(input["requests"][0]["query"], "api-version=2026-08-01");
    assert_eq!(input["requests"][1]["body"], Value::Null);
    assert_eq!(input["responses"][0]["what"], "GET gpu");
    let Some(report) = check_aks_traffic(&good, &answers) else {
        return;
    };
    assert!(report
        .summary
        .starts_with("2 requests, 1 responses checked (1 PUT bodies"));

    let bad = vec![recorded(
        "PUT",
        format!("{POOLS}/gpu"),
        Some(with_property("provisioningState", json!("Succeeded"))),
    )];
    let panicked = std::panic::catch_unwind(|| check_aks_traffic(&bad, &[]))
        .expect_err("a read-only property sent must fail the check");
    let message = panicked
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("AKS traffic breaks the contract")
            && message.contains("request[0] PUT")
            && message.contains("properties.provisioningState: read-only property sent"),
        "{message}"
    );
}

/// Without the SDK the script exits 3 with the pip command (here: an isolated interpreter
/// that sees no site-packages), which the helper reads as "unavailable", not as a pass.
#[test]
fn without_the_sdk_the_checker_says_how_to_install_it() {
    let input = json!({"requests": [put("gpu", good_body())], "responses": []});
    match run_checker(&["-I", "-S"], &input) {
        Ok(report) => panic!(
            "an interpreter without site-packages ran the check:\n{}",
            report.output
        ),
        Err(Unavailable(why)) => {
            if why.contains("is not installed: the checker is a Python script") {
                // No python3 at all: the other tests already skip or fail on that.
                common::contract::aks::skip_or_fail(&why);
                return;
            }
            assert!(why.contains(INSTALL), "{why}");
        }
    }
}

/// Missing inputs fail under CI=true and skip elsewhere.
#[test]
fn missing_inputs_fail_in_ci_and_skip_elsewhere() {
    let why = when_unavailable(Some("true"), "no SDK").expect_err("CI cannot skip");
    assert!(why.contains("cannot be skipped in CI"), "{why}");
    assert!(why.contains("no SDK"), "{why}");
    assert!(when_unavailable(Some("1"), "x").is_err());
    assert!(when_unavailable(Some("TRUE"), "x").is_err());
    assert!(when_unavailable(None, "x").is_ok());
    assert!(when_unavailable(Some("false"), "x").is_ok());
}

//! The EKS contract checker (`common::contract::eks`, a reading of the botocore EKS model
//! of its own) can pass and can fail: well-formed node-group, update and tag calls pass;
//! each kind of broken request or answer is refused with a message naming what is wrong;
//! the model's own examples pass; and a missing model fails under CI=true instead of
//! skipping.

mod common;

use common::contract::eks::{
    assert_conforms, failure_summary, official_eks_examples, official_eks_model,
    pattern_self_check, when_absent, EksModel, Exchange, Findings, COMMON_ERRORS, MODEL,
};
use poolctl_emulator::RecordedRequest;
use serde_json::{json, Value};

const GROUPS: &str = "/clusters/analytics/node-groups";
const ARN: &str = "arn:aws:eks:eu-west-1:123456789012:nodegroup/analytics/gpu/6ec9f2b4-1c3d-4e5f-8a9b-0c1d2e3f4a5b";

/// The ARN as the SDKs put it in a label: every reserved character percent-encoded.
fn encoded_arn() -> String {
    ARN.replace(':', "%3A").replace('/', "%2F")
}

/// A CreateNodegroup body with most of what poolctl sends, all of it right.
fn create_body() -> Value {
    json!({
        "nodegroupName": "gpu",
        "scalingConfig": {"minSize": 0, "maxSize": 4, "desiredSize": 1},
        "subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
        "instanceTypes": ["g5.xlarge"],
        "amiType": "AL2023_x86_64_NVIDIA",
        "nodeRole": "arn:aws:iam::123456789012:role/poolctl-nodes",
        "labels": {"accelerator": "nvidia", "poolctl.dev/class": "gpu"},
        "taints": [
            {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"},
            {"key": "dedicated", "effect": "NO_EXECUTE"}
        ],
        "tags": {
            "k8s.io/cluster-autoscaler/enabled": "true",
            "k8s.io/cluster-autoscaler/node-template/label/accelerator": "nvidia"
        },
        "clientRequestToken": "4b1d7c7e-2f1a-4a57-9d55-6f0d2a4f9c11",
        "updateConfig": {"maxUnavailable": 1},
        "capacityType": "SPOT",
        "version": "1.33"
    })
}

fn update_config_body() -> Value {
    json!({
        "labels": {
            "addOrUpdateLabels": {"accelerator": "nvidia"},
            "removeLabels": ["old"]
        },
        "taints": {
            "addOrUpdateTaints": [{"key": "dedicated", "value": "batch", "effect": "PREFER_NO_SCHEDULE"}],
            "removeTaints": [{"key": "legacy", "effect": "NO_SCHEDULE"}]
        },
        "scalingConfig": {"minSize": 1, "maxSize": 6, "desiredSize": 2},
        "updateConfig": {"maxUnavailablePercentage": 33},
        "clientRequestToken": "9f0e1d2c-3b4a-4596-8877-665544332211"
    })
}

/// A nodegroup as DescribeNodegroup answers it (timestamps as epoch seconds).
fn nodegroup(status: &str) -> Value {
    json!({
        "nodegroupName": "gpu",
        "nodegroupArn": ARN,
        "clusterName": "analytics",
        "version": "1.33",
        "releaseVersion": "1.33.0-20261120",
        "createdAt": 1_764_500_000.123,
        "modifiedAt": 1_764_500_600,
        "status": status,
        "capacityType": "SPOT",
        "scalingConfig": {"minSize": 0, "maxSize": 4, "desiredSize": 1},
        "instanceTypes": ["g5.xlarge"],
        "subnets": ["subnet-0a1b2c3d"],
        "amiType": "AL2023_x86_64_NVIDIA",
        "nodeRole": "arn:aws:iam::123456789012:role/poolctl-nodes",
        "labels": {"accelerator": "nvidia"},
        "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
        "resources": {"autoScalingGroups": [{"name": "eks-gpu-6ec9f2b4"}]},
        "diskSize": 20,
        "health": {"issues": [{"code": "AsgInstanceLaunchFailures", "message": "no capacity", "resourceIds": ["eks-gpu-6ec9f2b4"]}]},
        "updateConfig": {"maxUnavailable": 1},
        "tags": {"owner": "poolctl"}
    })
}

fn update(kind: &str) -> Value {
    json!({
        "id": "0b5a7c1e-93d4-3f1e-a4b2-5c6d7e8f9a0b",
        "status": "InProgress",
        "type": kind,
        "params": [
            {"type": "DesiredSize", "value": "2"},
            {"type": "LabelsToAdd", "value": "{\"accelerator\":\"nvidia\"}"}
        ],
        "createdAt": 1_764_500_000,
        "errors": []
    })
}

/// A broken request: what, method, path, query, body, the words its one failure must hold.
type RequestCase<'a> = (
    &'a str,
    &'a str,
    String,
    Option<&'a str>,
    Option<Value>,
    Vec<&'a str>,
);

/// A broken answer: what, method, path, status, body, the words its one failure must hold.
type AnswerCase<'a> = (&'a str, &'a str, String, u16, Value, Vec<&'a str>);

fn labelled(label: &str, found: Findings) -> (String, Findings) {
    (label.to_string(), found)
}

#[test]
fn a_missing_model_fails_in_ci_and_skips_elsewhere() {
    let why = when_absent(Some("true")).expect_err("CI cannot skip");
    assert!(why.contains("cannot be skipped in CI"), "{why}");
    assert!(why.contains(MODEL), "{why}");
    assert!(when_absent(Some("1")).is_err());
    assert!(when_absent(Some("TRUE")).is_err());
    assert!(when_absent(None).is_ok());
    assert!(when_absent(Some("false")).is_ok());
    let nowhere = std::env::temp_dir().join("poolctl-no-such-eks-model.json");
    assert!(matches!(EksModel::read(&nowhere), Ok(None)));
    // Not a botocore model: a failure, not a skip.
    assert!(EksModel::from_value(json!({"operations": {}})).is_err());
    assert!(EksModel::from_value(json!({
        "metadata": {"protocol": "json"}, "operations": {}, "shapes": {}
    }))
    .is_err());
}

#[test]
fn the_pattern_reader_reads_the_models_patterns() {
    let wrong = pattern_self_check();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn operations_come_from_the_models_table() {
    let Some(model) = official_eks_model() else {
        return;
    };
    assert!(model.operation_names().len() >= 60, "{}", model.describe());
    let arn_path = format!("/tags/{}", encoded_arn());
    for (method, path, want) in [
        ("POST", GROUPS.to_string(), Some("CreateNodegroup")),
        ("GET", GROUPS.to_string(), Some("ListNodegroups")),
        ("GET", format!("{GROUPS}/gpu"), Some("DescribeNodegroup")),
        ("DELETE", format!("{GROUPS}/gpu"), Some("DeleteNodegroup")),
        (
            "POST",
            format!("{GROUPS}/gpu/update-config"),
            Some("UpdateNodegroupConfig"),
        ),
        (
            "POST",
            format!("{GROUPS}/gpu/update-version"),
            Some("UpdateNodegroupVersion"),
        ),
        (
            "GET",
            "/clusters/analytics/updates/u-1".to_string(),
            Some("DescribeUpdate"),
        ),
        (
            "GET",
            "/clusters/analytics/updates/u-1?nodegroupName=gpu".to_string(),
            Some("DescribeUpdate"),
        ),
        ("POST", arn_path.clone(), Some("TagResource")),
        ("DELETE", arn_path.clone(), Some("UntagResource")),
        ("GET", arn_path, Some("ListTagsForResource")),
        // Wrong verb, unknown path, empty label, raw slashes in a label.
        ("PUT", format!("{GROUPS}/gpu"), None),
        ("GET", "/clusters/analytics/nodegroups".to_string(), None),
        ("GET", format!("{GROUPS}/"), None),
        ("POST", format!("/tags/{ARN}"), None),
    ] {
        assert_eq!(model.operation(method, &path), want, "{method} {path}");
    }
    // An unencoded ARN is refused with the reason.
    let found = model.check_request(
        "POST",
        &format!("/tags/{ARN}"),
        None,
        Some(&json!({"tags": {"a": "b"}})),
    );
    assert!(
        found.failures_mentioning("percent-encode").len() == 1
            && found.failures[0].contains("TagResource"),
        "{found:?}"
    );
    let found = model.check_request("PUT", &format!("{GROUPS}/gpu"), None, None);
    assert!(
        found.failures_mentioning("that path takes [").len() == 1,
        "{found:?}"
    );
}

/// Every call poolctl's EKS provider is to make, well formed, passes.
#[test]
fn well_formed_requests_pass() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let arn_path = format!("/tags/{}", encoded_arn());
    let checked = vec![
        labelled("CreateNodegroup", model.check_request("POST", GROUPS, None, Some(&create_body()))),
        labelled(
            "CreateNodegroup (only what is required)",
            model.check_request(
                "POST",
                GROUPS,
                None,
                Some(&json!({"nodegroupName": "cpu", "subnets": ["subnet-1"], "nodeRole": "arn:aws:iam::1:role/n"})),
            ),
        ),
        labelled(
            "CreateNodegroup (launch template, on demand)",
            model.check_request(
                "POST",
                GROUPS,
                None,
                Some(&json!({
                    "nodegroupName": "lt", "subnets": ["subnet-1"], "nodeRole": "arn:aws:iam::1:role/n",
                    "launchTemplate": {"id": "lt-0123456789abcdef0", "version": "3"},
                    "capacityType": "ON_DEMAND", "amiType": "CUSTOM",
                    "nodeRepairConfig": {"enabled": true}
                })),
            ),
        ),
        labelled(
            "UpdateNodegroupConfig",
            model.check_request("POST", &format!("{GROUPS}/gpu/update-config"), None, Some(&update_config_body())),
        ),
        labelled(
            "UpdateNodegroupConfig (empty body: no member is required)",
            model.check_request("POST", &format!("{GROUPS}/gpu/update-config"), None, None),
        ),
        labelled(
            "UpdateNodegroupVersion",
            model.check_request(
                "POST",
                &format!("{GROUPS}/gpu/update-version"),
                None,
                Some(&json!({"version": "1.34", "force": false, "clientRequestToken": "t-1"})),
            ),
        ),
        labelled("DescribeNodegroup", model.check_request("GET", &format!("{GROUPS}/gpu"), None, None)),
        labelled("DeleteNodegroup", model.check_request("DELETE", &format!("{GROUPS}/gpu"), None, None)),
        labelled(
            "DescribeUpdate",
            model.check_request("GET", "/clusters/analytics/updates/0b5a7c1e", Some("nodegroupName=gpu"), None),
        ),
        labelled(
            "DescribeUpdate (query in the path)",
            model.check_request("GET", "/clusters/analytics/updates/0b5a7c1e?nodegroupName=gpu", None, None),
        ),
        labelled("ListNodegroups", model.check_request("GET", GROUPS, None, None)),
        labelled(
            "ListNodegroups (paged)",
            model.check_request("GET", GROUPS, Some("maxResults=100&nextToken=eyJuIjoxfQ%3D%3D"), None),
        ),
        labelled(
            "TagResource",
            model.check_request("POST", &arn_path, None, Some(&json!({"tags": {"owner": "poolctl", "team": "ml"}}))),
        ),
        labelled(
            "UntagResource",
            model.check_request("DELETE", &arn_path, Some("tagKeys=owner&tagKeys=team"), None),
        ),
    ];
    assert_conforms(model, &checked);
    assert!(
        checked.iter().all(|(_, f)| f.warnings.is_empty()),
        "{checked:?}"
    );
}

/// Each kind of mistake fails, and the message names the member.
#[test]
fn broken_requests_fail_naming_the_member() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let without = |key: &str| {
        let mut body = create_body();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let with = |pointer: &str, value: Value| {
        let mut body = create_body();
        *body.pointer_mut(pointer).expect("the pointer exists") = value;
        body
    };
    let plus = |key: &str, value: Value| {
        let mut body = create_body();
        body.as_object_mut().unwrap().insert(key.to_string(), value);
        body
    };
    let long_key = "k".repeat(64);
    let long_tag_key = format!("tagKeys={}", "t".repeat(129));
    let arn_path = format!("/tags/{}", encoded_arn());
    let update_path = format!("{GROUPS}/gpu/update-config");
    // (what, method, path, query, body, words the one failure must hold)
    let cases: Vec<RequestCase> = vec![
        (
            "no subnets",
            "POST",
            GROUPS.into(),
            None,
            Some(without("subnets")),
            vec!["subnets", "required member missing"],
        ),
        (
            "no nodeRole",
            "POST",
            GROUPS.into(),
            None,
            Some(without("nodeRole")),
            vec!["nodeRole", "required member missing"],
        ),
        (
            "no nodegroupName",
            "POST",
            GROUPS.into(),
            None,
            Some(without("nodegroupName")),
            vec!["nodegroupName", "required member missing"],
        ),
        (
            "capacityType SPOTTY",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/capacityType", json!("SPOTTY"))),
            vec!["capacityType", "\"SPOTTY\"", "CapacityTypes", "SPOT"],
        ),
        (
            "taint effect NoSchedule",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/taints/0/effect", json!("NoSchedule"))),
            vec!["taints[0].effect", "\"NoSchedule\"", "NO_SCHEDULE"],
        ),
        (
            "minSize as a string",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/scalingConfig/minSize", json!("0"))),
            vec![
                "scalingConfig.minSize",
                "expected a JSON integer",
                "the string \"0\"",
            ],
        ),
        (
            "maxSize 0 (Capacity has min 1)",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/scalingConfig/maxSize", json!(0))),
            vec!["scalingConfig.maxSize", "below the model's min 1"],
        ),
        (
            "minSize -1 (ZeroCapacity has min 0)",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/scalingConfig/minSize", json!(-1))),
            vec!["scalingConfig.minSize", "below the model's min 0"],
        ),
        (
            "maxUnavailablePercentage 101",
            "POST",
            GROUPS.into(),
            None,
            Some(with(
                "/updateConfig",
                json!({"maxUnavailablePercentage": 101}),
            )),
            vec![
                "updateConfig.maxUnavailablePercentage",
                "above the model's max 100",
            ],
        ),
        (
            "subnets as a string",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/subnets", json!("subnet-1"))),
            vec!["subnets", "expected a JSON array"],
        ),
        (
            "diskSize as a float",
            "POST",
            GROUPS.into(),
            None,
            Some(plus("diskSize", json!(20.5))),
            vec!["diskSize", "expected a JSON integer"],
        ),
        (
            "an unknown member",
            "POST",
            GROUPS.into(),
            None,
            Some(plus("maxPods", json!(64))),
            vec!["maxPods", "unknown member", "CreateNodegroupRequest"],
        ),
        (
            "an unknown nested member",
            "POST",
            GROUPS.into(),
            None,
            Some(with(
                "/scalingConfig",
                json!({"minSize": 0, "maxSize": 2, "minCount": 0}),
            )),
            vec![
                "scalingConfig.minCount",
                "unknown member",
                "NodegroupScalingConfig",
            ],
        ),
        (
            "clusterName in the body",
            "POST",
            GROUPS.into(),
            None,
            Some(plus("clusterName", json!("analytics"))),
            vec!["clusterName", "travels in the uri as `name`"],
        ),
        (
            "a label key of 64 characters",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/labels", json!({long_key.clone(): "x"}))),
            vec!["labels key", "64 characters, above the model's max 63"],
        ),
        (
            "an empty label value",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/labels", json!({"a": ""}))),
            vec!["labels[\"a\"]", "0 characters, below the model's min 1"],
        ),
        (
            "a taint value of 64 characters",
            "POST",
            GROUPS.into(),
            None,
            Some(with(
                "/taints/1",
                json!({"key": "k", "value": long_key.clone(), "effect": "NO_EXECUTE"}),
            )),
            vec!["taints[1].value", "above the model's max 63"],
        ),
        (
            "a null member",
            "POST",
            GROUPS.into(),
            None,
            Some(plus("diskSize", Value::Null)),
            vec![],
        ),
        (
            "an empty tag map (TagMap has min 1)",
            "POST",
            GROUPS.into(),
            None,
            Some(with("/tags", json!({}))),
            vec!["tags", "0 entries, below the model's min 1"],
        ),
        (
            "a body that is not an object",
            "POST",
            GROUPS.into(),
            None,
            Some(json!(["gpu"])),
            vec!["expected a JSON object", "CreateNodegroupRequest"],
        ),
        (
            "removeLabels as a map",
            "POST",
            update_path.clone(),
            None,
            Some(json!({"labels": {"removeLabels": {"old": ""}}})),
            vec!["labels.removeLabels", "expected a JSON array"],
        ),
        (
            "a taint effect NoExecute in addOrUpdateTaints",
            "POST",
            update_path.clone(),
            None,
            Some(json!({"taints": {"addOrUpdateTaints": [{"key": "k", "effect": "NoExecute"}]}})),
            vec!["taints.addOrUpdateTaints[0].effect", "\"NoExecute\""],
        ),
        (
            "nodegroupName in an update body",
            "POST",
            update_path.clone(),
            None,
            Some(json!({"nodegroupName": "gpu"})),
            vec!["nodegroupName", "travels in the uri"],
        ),
        (
            "labels sent whole, not as a delta",
            "POST",
            update_path,
            None,
            Some(json!({"labels": {"accelerator": "nvidia"}})),
            vec![
                "labels.accelerator",
                "unknown member",
                "UpdateLabelsPayload",
            ],
        ),
        (
            "a body on a GET",
            "GET",
            format!("{GROUPS}/gpu"),
            None,
            Some(json!({})),
            vec!["DescribeNodegroup (GET) takes no body"],
        ),
        (
            "a body on a DELETE",
            "DELETE",
            format!("{GROUPS}/gpu"),
            None,
            Some(json!({"nodegroupName": "gpu"})),
            vec!["DeleteNodegroup (DELETE) takes no body"],
        ),
        (
            "an unknown query parameter",
            "GET",
            "/clusters/analytics/updates/u-1".into(),
            Some("nodegroup=gpu"),
            None,
            vec!["query parameter `nodegroup`", "nodegroupName"],
        ),
        (
            "maxResults 0",
            "GET",
            GROUPS.into(),
            Some("maxResults=0"),
            None,
            vec!["query maxResults", "below the model's min 1"],
        ),
        (
            "maxResults 101",
            "GET",
            GROUPS.into(),
            Some("maxResults=101"),
            None,
            vec!["query maxResults", "above the model's max 100"],
        ),
        (
            "maxResults not a number",
            "GET",
            GROUPS.into(),
            Some("maxResults=all"),
            None,
            vec!["query maxResults", "is not an integer"],
        ),
        (
            "nextToken twice",
            "GET",
            GROUPS.into(),
            Some("nextToken=a&nextToken=b"),
            None,
            vec!["query nextToken", "more than once"],
        ),
        (
            "UntagResource without tagKeys",
            "DELETE",
            arn_path.clone(),
            None,
            None,
            vec!["tagKeys", "required member missing"],
        ),
        (
            "a tag key of 129 characters",
            "DELETE",
            arn_path.clone(),
            Some(long_tag_key.as_str()),
            None,
            vec!["query tagKeys", "129 characters, above the model's max 128"],
        ),
        (
            "TagResource without tags",
            "POST",
            arn_path.clone(),
            None,
            Some(json!({})),
            vec!["tags", "required member missing"],
        ),
        (
            "a tag value of 257 characters",
            "POST",
            arn_path,
            None,
            Some(json!({"tags": {"owner": "v".repeat(257)}})),
            vec!["tags[\"owner\"]", "above the model's max 256"],
        ),
        (
            "a query value that is not well encoded",
            "GET",
            GROUPS.into(),
            Some("nextToken=a%zz"),
            None,
            vec!["query nextToken", "percent-encoded"],
        ),
        (
            "a label that is not well encoded",
            "GET",
            format!("{GROUPS}/gp%u"),
            None,
            None,
            vec!["uri label {nodegroupName}", "percent-encoded"],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, method, path, query, body, words) in &cases {
        let found = model.check_request(method, path, *query, body.as_ref());
        if words.is_empty() {
            // A null member: a failure on diskSize, whatever the wording.
            if found.failures_mentioning("diskSize: null sent").len() != 1 {
                wrong.push(format!("{what}: {found:?}"));
            }
            continue;
        }
        let naming: Vec<&str> = found
            .failures
            .iter()
            .filter(|f| words.iter().all(|w| f.contains(w)))
            .map(String::as_str)
            .collect();
        if found.failures.len() != 1 || naming.len() != 1 {
            wrong.push(format!(
                "{what}: expected exactly one failure holding {words:?}, found {:?}",
                found.failures
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn answers_are_checked_against_output_and_error_shapes() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let group = format!("{GROUPS}/gpu");
    let update_path = "/clusters/analytics/updates/0b5a7c1e";
    let throttled = json!({"message": "Rate exceeded", "clusterName": "analytics"});
    let in_use = json!({
        "message": "Nodegroup gpu is currently being updated",
        "clusterName": "analytics",
        "nodegroupName": "gpu"
    });
    let good = vec![
        labelled("Describe ACTIVE", model.check_response("GET", &group, 200, Some(&json!({"nodegroup": nodegroup("ACTIVE")})))),
        labelled("Create CREATING", model.check_response("POST", GROUPS, 200, Some(&json!({"nodegroup": nodegroup("CREATING")})))),
        labelled("Delete DELETING", model.check_response("DELETE", &group, 200, Some(&json!({"nodegroup": nodegroup("DELETING")})))),
        labelled("UpdateConfig", model.check_response("POST", &format!("{group}/update-config"), 200, Some(&json!({"update": update("ConfigUpdate")})))),
        labelled("DescribeUpdate", model.check_response("GET", update_path, 200, Some(&json!({"update": update("VersionUpdate")})))),
        labelled("List", model.check_response("GET", GROUPS, 200, Some(&json!({"nodegroups": ["gpu", "cpu"], "nextToken": "x"})))),
        labelled("Tag", model.check_response("POST", &format!("/tags/{}", encoded_arn()), 200, Some(&json!({})))),
        labelled("Untag", model.check_response("DELETE", &format!("/tags/{}", encoded_arn()), 200, Some(&json!({})))),
        labelled("409 ResourceInUseException on an update", model.check_response("POST", &format!("{group}/update-config"), 409, Some(&in_use))),
        labelled("409 ResourceInUseException on a create", model.check_response("POST", GROUPS, 409, Some(&in_use))),
        labelled("404 ResourceNotFoundException", model.check_response("GET", &group, 404, Some(&json!({"message": "No node group found for name: gpu.", "nodegroupName": "gpu"})))),
        labelled("400 InvalidParameterException", model.check_response("POST", GROUPS, 400, Some(&json!({"message": "Minimum capacity 2 can't be greater than desired size 1", "clusterName": "analytics", "nodegroupName": "gpu"})))),
        labelled("400 with a __type", model.check_response("POST", GROUPS, 400, Some(&json!({"__type": "com.amazonaws.eks#InvalidRequestException", "message": "x"})))),
        labelled("429 ThrottlingException (common)", model.check_response("GET", &group, 429, Some(&throttled))),
        labelled("403 AccessDeniedException (common)", model.check_response("DELETE", &group, 403, Some(&json!({"message": "not authorized"})))),
        labelled("503 ServiceUnavailableException", model.check_response("POST", GROUPS, 503, Some(&json!({"message": "try again"})))),
        labelled("TagResource 404 NotFoundException", model.check_response("POST", &format!("/tags/{}", encoded_arn()), 404, Some(&json!({"message": "no such resource"})))),
    ];
    assert_conforms(model, &good);

    // (what, method, path, status, body, words the one failure must hold)
    let bad: Vec<AnswerCase> = vec![
        (
            "status RUNNING",
            "GET",
            group.clone(),
            200,
            json!({"nodegroup": nodegroup("RUNNING")}),
            vec!["nodegroup.status", "\"RUNNING\"", "NodegroupStatus"],
        ),
        (
            "an update of an unknown type",
            "GET",
            update_path.into(),
            200,
            json!({"update": update("NodegroupUpdate")}),
            vec!["update.type", "\"NodegroupUpdate\"", "UpdateType"],
        ),
        (
            "an update param of an unknown type",
            "GET",
            update_path.into(),
            200,
            json!({"update": {"id": "u", "params": [{"type": "Labels", "value": "x"}]}}),
            vec!["update.params[0].type", "UpdateParamType"],
        ),
        (
            "an update status of the wrong case",
            "GET",
            update_path.into(),
            200,
            json!({"update": {"id": "u", "status": "SUCCESSFUL"}}),
            vec!["update.status", "UpdateStatus"],
        ),
        (
            "createdAt as an ISO string",
            "GET",
            group.clone(),
            200,
            json!({"nodegroup": {"createdAt": "2026-11-30T12:00:00Z"}}),
            vec!["nodegroup.createdAt", "epoch seconds", "the string"],
        ),
        (
            "an unknown member in a nodegroup",
            "GET",
            group.clone(),
            200,
            json!({"nodegroup": {"nodegroupName": "gpu", "provisioningState": "Succeeded"}}),
            vec!["nodegroup.provisioningState", "unknown member", "Nodegroup"],
        ),
        (
            "a bare nodegroup, not wrapped",
            "GET",
            group.clone(),
            200,
            json!({"nodegroupName": "gpu"}),
            vec![
                "nodegroupName",
                "unknown member",
                "DescribeNodegroupResponse",
            ],
        ),
        (
            "201 on a create",
            "POST",
            GROUPS.into(),
            201,
            json!({"nodegroup": nodegroup("CREATING")}),
            vec!["(status)", "not 201"],
        ),
        (
            "409 on DescribeNodegroup",
            "GET",
            group.clone(),
            409,
            in_use.clone(),
            vec![
                "(status)",
                "DescribeNodegroup lists no error with HTTP status 409",
            ],
        ),
        (
            "409 on DescribeUpdate",
            "GET",
            update_path.into(),
            409,
            in_use.clone(),
            vec!["DescribeUpdate lists no error with HTTP status 409"],
        ),
        (
            "429 with a body ThrottlingException lacks",
            "GET",
            group.clone(),
            429,
            json!({"message": "slow down", "nodegroupName": "gpu"}),
            vec!["nodegroupName", "unknown member", "ThrottlingException"],
        ),
        (
            "400 with a __type the operation lacks",
            "POST",
            GROUPS.into(),
            400,
            json!({"__type": "BadRequestException", "message": "x"}),
            vec!["__type", "BadRequestException"],
        ),
        (
            "an error with no body",
            "POST",
            GROUPS.into(),
            409,
            Value::Null,
            vec!["no body", "ResourceInUseException"],
        ),
        (
            "an error saying Message",
            "POST",
            GROUPS.into(),
            409,
            json!({"Message": "in use"}),
            vec!["Message", "unknown member", "ResourceInUseException"],
        ),
        (
            "a 302",
            "GET",
            group.clone(),
            302,
            json!({}),
            vec!["302 is neither"],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, method, path, status, body, words) in &bad {
        let body = (!body.is_null()).then_some(body);
        let found = model.check_response(method, path, *status, body);
        let naming = found
            .failures
            .iter()
            .filter(|f| words.iter().all(|w| f.contains(w)))
            .count();
        if found.failures.len() != 1 || naming != 1 {
            wrong.push(format!(
                "{what}: expected exactly one failure holding {words:?}, found {:?}",
                found.failures
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A null in an answer is read as unset by the SDKs: a warning, not a failure.
    let mut launch_template_group = nodegroup("ACTIVE");
    launch_template_group["diskSize"] = Value::Null;
    let found = model.check_response(
        "GET",
        &group,
        200,
        Some(&json!({"nodegroup": launch_template_group})),
    );
    assert!(found.passes() && found.warnings.len() == 1, "{found:?}");
    assert!(
        found.warnings[0].contains("nodegroup.diskSize"),
        "{found:?}"
    );

    // Each common error is a shape of the model with a status: the list means something.
    for common in COMMON_ERRORS {
        assert!(model.error_status(common).is_some(), "{common}");
    }
    assert_eq!(model.error_status("ThrottlingException"), Some(429));
    assert_eq!(model.error_status("ResourceInUseException"), Some(409));
}

#[test]
fn an_exchange_is_checked_both_ways_and_summarized() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let good = Exchange {
        method: "POST".into(),
        path: GROUPS.into(),
        query: None,
        request_body: Some(create_body()),
        status: 200,
        response_body: Some(json!({"nodegroup": nodegroup("CREATING")})),
    };
    let mut broken = good.clone();
    broken.request_body.as_mut().unwrap()["capacityType"] = json!("SPOTTY");
    broken.response_body = Some(json!({"nodegroup": nodegroup("RUNNING")}));
    let checked = vec![model.check(&good), model.check(&broken)];
    assert_eq!(
        checked[0].0,
        "POST /clusters/analytics/node-groups -> 200 (CreateNodegroup)"
    );
    assert!(checked[0].1.passes(), "{:?}", checked[0].1);
    assert_eq!(checked[1].1.failures.len(), 2, "{:?}", checked[1].1);
    assert!(checked[1].1.failures[0].starts_with("request capacityType"));
    assert!(checked[1].1.failures[1].starts_with("response nodegroup.status"));
    let summary = failure_summary(model, &checked).expect("a failure to summarize");
    assert!(
        summary.starts_with("2 failure(s) against the EKS contract (EKS 2017-11-01"),
        "{summary}"
    );
    assert!(summary.contains("in 1 of 2 checked"), "{summary}");
    assert!(
        summary.contains("\"SPOTTY\"") && summary.contains("\"RUNNING\""),
        "{summary}"
    );
    assert!(failure_summary(model, &checked[..1]).is_none());
    let panicked = std::panic::catch_unwind(|| assert_conforms(model, &checked))
        .expect_err("a failure panics");
    let message = panicked
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert_eq!(message, summary);

    let same = model.check_exchange(
        "GET",
        "/clusters/analytics/updates/u-1",
        Some("nodegroupName=gpu"),
        None,
        200,
        Some(&json!({"update": update("ConfigUpdate")})),
    );
    assert!(same.passes(), "{same:?}");
}

/// The model's own examples, rendered into HTTP calls the way an SDK would, pass. The
/// examples file of botocore 1.44.8 has none for node groups or updates: the test says so,
/// and checks whatever it has (clusters, and ListTagsForResource, which tag calls share
/// a path with), so examples added in a later model are checked without a change here.
#[test]
fn the_models_own_examples_pass() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let Some(examples) = official_eks_examples() else {
        return;
    };
    let ours = |op: &str| op.contains("Nodegroup") || op.contains("Update") || op.contains("Tag");
    let table = examples["examples"].as_object().expect("an examples table");
    let ours_present: Vec<&String> = table.keys().filter(|op| ours(op)).collect();
    let node_group_or_update: Vec<&&String> = ours_present
        .iter()
        .filter(|op| op.contains("Nodegroup") || op.contains("Update"))
        .collect();
    if node_group_or_update.is_empty() {
        eprintln!(
            "note: the EKS model's examples hold none for node groups or updates (only {:?}); \
             every example there is checked instead",
            table.keys().collect::<Vec<_>>()
        );
    }
    let mut checked = Vec::new();
    for (label, exchange) in model.example_exchanges(&examples, |_| true) {
        match exchange {
            Ok(exchange) => {
                let (what, found) = model.check(&exchange);
                checked.push((format!("{label}: {what}"), found));
            }
            Err(why) => checked.push((
                label,
                Findings {
                    failures: vec![why],
                    warnings: vec![],
                },
            )),
        }
    }
    assert!(!checked.is_empty(), "no example was checked");
    assert_conforms(model, &checked);
    eprintln!(
        "checked {} example(s) of the EKS model: {}",
        checked.len(),
        checked
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );

    // The rendering is real: an example broken on purpose fails.
    let broken = json!({"examples": {"ListTagsForResource": [{
        "id": "broken",
        "input": {"resourceArn": ARN},
        "output": {"tags": {"owner": 7}}
    }]}});
    let rendered = model.example_exchanges(&broken, |_| true);
    let exchange = rendered[0].1.as_ref().expect("renders");
    assert_eq!(exchange.path, format!("/tags/{}", encoded_arn()));
    assert_eq!(exchange.request_body, None);
    let (_, found) = model.check(exchange);
    assert!(
        found.failures.len() == 1
            && found.failures[0].contains("tags[\"owner\"]: expected a JSON string"),
        "{found:?}"
    );
}

/// An emulator's request log is checked request by request; a body that was not JSON
/// (recorded as a JSON string) is not a request body.
#[test]
fn a_request_log_is_checked_request_by_request() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let recorded =
        |method: &str, path: String, query: Option<&str>, body: Option<Value>| RecordedRequest {
            method: method.into(),
            path,
            query: query.map(str::to_string),
            body,
            status: 200,
            authorization: None,
            if_match: None,
            if_none_match: None,
            response: None,
        };
    let log = vec![
        recorded("POST", GROUPS.into(), None, Some(create_body())),
        recorded("GET", format!("{GROUPS}/gpu"), None, None),
        recorded(
            "GET",
            "/clusters/analytics/updates/u-1".into(),
            Some("nodegroupName=gpu"),
            None,
        ),
        recorded("DELETE", format!("{GROUPS}/gpu"), None, None),
    ];
    let checked = model.check_recorded(&log);
    assert_eq!(checked.len(), 4);
    assert_eq!(
        checked[1].0,
        "request[1] GET /clusters/analytics/node-groups/gpu"
    );
    assert_conforms(model, &checked);

    let mut broken = log;
    broken.push(recorded(
        "POST",
        GROUPS.into(),
        None,
        Some(json!("nodegroupName=gpu")),
    ));
    let checked = model.check_recorded(&broken);
    let summary = failure_summary(model, &checked).expect("the text body fails");
    assert!(
        summary.contains("in 1 of 5 checked")
            && summary.contains("request[4] POST /clusters/analytics/node-groups:")
            && summary
                .contains("expected a JSON object (CreateNodegroupRequest), found the string"),
        "{summary}"
    );
}

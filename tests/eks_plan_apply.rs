//! End-to-end on EKS: the MLRun platform of examples/eks-mlrun.toml planned and applied
//! through the CLI against the emulator's EKS surface, then changed in place (labels,
//! taints, scaling: one UpdateNodegroupConfig each with add/remove sets), by replacement,
//! by deletion, in parallel, and when EKS reports failures.

mod common;

use common::eks::{eks_blueprint, mlrun_tables};
use common::{stderr_of, stdout_of, Emu, Workspace};
use poolctl_emulator::RecordedRequest;
use serde_json::{json, Value};

const GROUPS: usize = 5;
const TEMPLATE: &str = "k8s.io/cluster-autoscaler/node-template/";

/// Applies the platform and checks that a second plan is empty.
fn applied(emu: &Emu) -> Workspace {
    let ws = Workspace::new(&eks_blueprint(&emu.endpoint(), &mlrun_tables()));
    let log = ws.apply_ok();
    assert!(
        log.contains(&format!(
            "{GROUPS} created, 0 updated, 0 replaced, 0 deleted, 0 failed"
        )),
        "{log}"
    );
    ws.assert_no_changes();
    ws
}

fn body(request: &RecordedRequest) -> Value {
    request.body.clone().unwrap_or(Value::Null)
}

/// The create request of one node group.
fn create_body(emu: &Emu, name: &str) -> Value {
    emu.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/node-groups"))
        .map(|r| body(&r))
        .find(|b| b["nodegroupName"] == name)
        .unwrap_or_else(|| panic!("{name} created"))
}

#[test]
fn the_platform_applies_and_then_plans_empty() {
    let emu = Emu::start();
    let _ws = applied(&emu);
    let core = create_body(&emu, "core");
    assert_eq!(
        core["scalingConfig"],
        json!({"minSize": 2, "maxSize": 2, "desiredSize": 2})
    );
    assert_eq!(core["capacityType"], "ON_DEMAND");
    assert_eq!(core["amiType"], "AL2023_x86_64_STANDARD");
    assert_eq!(core["instanceTypes"], json!(["m6i.2xlarge"]));
    assert_eq!(core["diskSize"], 100);
    assert_eq!(
        core["nodeRole"],
        "arn:aws:iam::123456789012:role/mlrun-prod-nodes"
    );
    assert_eq!(core["subnets"].as_array().map(Vec::len), Some(3));
    assert_eq!(core["tags"]["poolctl-pool"], "core");
    assert!(core.get("taints").is_none_or(|t| t == &json!([])), "{core}");

    let jobs = create_body(&emu, "jobs");
    assert_eq!(
        jobs["scalingConfig"],
        json!({"minSize": 0, "maxSize": 20, "desiredSize": 0})
    );
    assert_eq!(
        jobs["taints"],
        json!([{"key": "app.iguazio.com/node-group", "value": "jobs", "effect": "NO_EXECUTE"}])
    );
    // A group that scales from zero tells Cluster Autoscaler what its nodes would be.
    assert_eq!(
        jobs["tags"][format!("{TEMPLATE}label/app.iguazio.com/node-group")],
        "jobs"
    );
    assert_eq!(
        jobs["tags"][format!("{TEMPLATE}taint/app.iguazio.com/node-group")],
        "jobs:NoExecute"
    );

    let gpu = create_body(&emu, "gpu");
    assert_eq!(gpu["amiType"], "AL2023_x86_64_NVIDIA");
    assert_eq!(
        gpu["tags"][format!("{TEMPLATE}resources/nvidia.com/gpu")],
        "1"
    );
    assert_eq!(
        gpu["tags"][format!("{TEMPLATE}taint/nvidia.com/gpu")],
        "present:NoSchedule"
    );

    let spot = create_body(&emu, "spot");
    assert_eq!(spot["capacityType"], "SPOT");
    assert_eq!(
        spot["instanceTypes"],
        json!(["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge", "m7i.2xlarge"])
    );
    // A group that keeps a node needs no node-template tags.
    let jupyter = create_body(&emu, "jupyter");
    assert!(
        jupyter["tags"]
            .as_object()
            .is_some_and(|t| t.keys().all(|k| !k.starts_with(TEMPLATE))),
        "{jupyter}"
    );
    let mut names = emu.eks_nodegroups();
    names.sort();
    assert_eq!(names, ["core", "gpu", "jobs", "jupyter", "spot"]);
}

#[test]
fn labels_change_in_place_with_one_update_of_add_and_remove_sets() {
    let emu = Emu::start();
    let ws = applied(&emu);
    ws.edit(
        "labels = { \"app.iguazio.com/node-group\" = \"jupyter\" }",
        "labels = { \"app.iguazio.com/node-group\" = \"notebooks\", tier = \"interactive\" }",
    );
    ws.edit("labels = { platform = \"mlrun\" }", "labels = {}");
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("~ pool jupyter will be updated in place"),
        "{plan}"
    );
    let before = emu.eks_calls("POST", "jupyter", "/update-config").len();
    ws.apply_ok();
    let updates = emu.eks_calls("POST", "jupyter", "/update-config");
    assert_eq!(updates.len(), before + 1, "{updates:#?}");
    let sent = body(updates.last().expect("one update"));
    assert_eq!(
        sent["labels"],
        json!({
            "addOrUpdateLabels": {"app.iguazio.com/node-group": "notebooks", "tier": "interactive"},
            "removeLabels": ["platform"]
        })
    );
    assert!(sent.get("taints").is_none(), "{sent}");
    assert!(sent.get("scalingConfig").is_none(), "{sent}");
    let live = emu.eks_nodegroup("jupyter").expect("jupyter");
    assert_eq!(
        live["labels"],
        json!({"app.iguazio.com/node-group": "notebooks", "tier": "interactive"})
    );
    ws.assert_no_changes();
}

#[test]
fn a_taint_change_moves_the_autoscaler_tags_in_the_same_apply() {
    let emu = Emu::start();
    let ws = applied(&emu);
    ws.edit(
        "taints = [\"app.iguazio.com/node-group=jobs:NoExecute\"]",
        "taints = [\"dedicated=jobs:NoSchedule\"]",
    );
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("~ pool jobs will be updated in place"),
        "{plan}"
    );
    ws.apply_ok();
    let updates = emu.eks_calls("POST", "jobs", "/update-config");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    let sent = body(&updates[0]);
    assert_eq!(
        sent["taints"],
        json!({
            "addOrUpdateTaints": [{"key": "dedicated", "value": "jobs", "effect": "NO_SCHEDULE"}],
            "removeTaints": [{"key": "app.iguazio.com/node-group", "value": "jobs", "effect": "NO_EXECUTE"}]
        })
    );
    let live = emu.eks_nodegroup("jobs").expect("jobs");
    let tags = live["tags"].as_object().expect("tags");
    assert_eq!(
        tags.get(&format!("{TEMPLATE}taint/dedicated")),
        Some(&json!("jobs:NoSchedule"))
    );
    assert!(
        !tags.contains_key(&format!("{TEMPLATE}taint/app.iguazio.com/node-group")),
        "{tags:?}"
    );
    ws.assert_no_changes();
}

#[test]
fn new_bounds_move_desired_size_only_when_it_falls_outside() {
    let emu = Emu::start();
    let ws = applied(&emu);
    // The autoscaler has grown jobs to 15 nodes.
    emu.emulator
        .eks_autoscale(poolctl_emulator::EksAutoscaleRequest {
            region: common::eks::REGION.into(),
            cluster: common::eks::CLUSTER.into(),
            nodegroup: "jobs".into(),
            desired: 15,
        })
        .expect("autoscaler moves");
    ws.assert_no_changes();
    // Bounds around 15: desiredSize stays the autoscaler's.
    ws.edit(
        "autoscale = { min = 0, max = 20 }",
        "autoscale = { min = 1, max = 30 }",
    );
    ws.apply_ok();
    let sent = body(
        emu.eks_calls("POST", "jobs", "/update-config")
            .last()
            .expect("an update"),
    );
    assert_eq!(sent["scalingConfig"], json!({"minSize": 1, "maxSize": 30}));
    // A maximum below 15: desiredSize is clamped into the new bounds.
    ws.edit(
        "autoscale = { min = 1, max = 30 }",
        "autoscale = { min = 1, max = 10 }",
    );
    ws.apply_ok();
    let sent = body(
        emu.eks_calls("POST", "jobs", "/update-config")
            .last()
            .expect("an update"),
    );
    assert_eq!(
        sent["scalingConfig"],
        json!({"minSize": 1, "maxSize": 10, "desiredSize": 10})
    );
    assert_eq!(
        emu.eks_nodegroup("jobs").expect("jobs")["scalingConfig"]["desiredSize"],
        10
    );
    ws.assert_no_changes();
}

#[test]
fn an_instance_type_change_creates_a_new_group_before_deleting_the_old() {
    let emu = Emu::start();
    let ws = applied(&emu);
    ws.edit(
        "machine_type = \"r6i.4xlarge\"",
        "machine_type = \"r7i.4xlarge\"",
    );
    let plan = ws.plan_with_changes();
    assert!(plan.contains("-/+ pool jobs must be replaced"), "{plan}");
    assert!(plan.contains("instance_types"), "{plan}");
    let log = ws.apply_ok();
    assert!(log.contains("1 replaced"), "{log}");
    let mut names = emu.eks_nodegroups();
    names.sort();
    let new = names
        .iter()
        .find(|n| n.starts_with("jobs-"))
        .unwrap_or_else(|| panic!("a derived name in {names:?}"))
        .clone();
    assert!(!names.contains(&"jobs".to_string()), "{names:?}");
    assert_eq!(
        emu.eks_nodegroup(&new).expect("new group")["instanceTypes"],
        json!(["r7i.4xlarge"])
    );
    // The new group was created (and ready) before the old one was deleted.
    let requests = emu.eks_requests();
    let created = requests
        .iter()
        .position(|r| r.method == "POST" && body(r)["nodegroupName"] == new.as_str())
        .expect("created");
    let deleted = requests
        .iter()
        .position(|r| r.method == "DELETE" && r.path.ends_with("/node-groups/jobs"))
        .expect("deleted");
    assert!(created < deleted);
    ws.assert_no_changes();
}

#[test]
fn a_pool_left_out_of_the_blueprint_is_deleted() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let text = std::fs::read_to_string(ws.path()).expect("read");
    let start = text.find("# Stateless jobs on spot").expect("spot section");
    ws.write(&text[..start]);
    let plan = ws.plan_with_changes();
    assert!(plan.contains("- pool spot will be deleted"), "{plan}");
    let log = ws.apply_ok();
    assert!(log.contains("1 deleted"), "{log}");
    assert!(emu.eks_nodegroup("spot").is_none());
    ws.assert_no_changes();
}

#[test]
fn several_groups_of_one_cluster_change_in_parallel() {
    let emu = Emu::start();
    let ws = applied(&emu);
    let text = std::fs::read_to_string(ws.path()).expect("read");
    ws.write(&text.replace(
        "labels = { platform = \"mlrun\" }",
        "labels = { platform = \"mlrun\", cost-center = \"ml\" }",
    ));
    let log = ws.apply_ok();
    assert!(log.contains("0 created, 5 updated"), "{log}");
    // The core group goes first; every other update was sent before the first of them
    // was seen done: they ran together.
    let requests: Vec<RecordedRequest> = emu
        .eks_requests()
        .into_iter()
        .filter(|r| !r.path.contains("/node-groups/core"))
        .collect();
    let last_update = requests
        .iter()
        .rposition(|r| r.path.ends_with("/update-config"))
        .expect("updates");
    let first_done = requests
        .iter()
        .position(|r| {
            r.method == "GET"
                && r.response.as_ref().is_some_and(|a| {
                    a["nodegroup"]["status"] == "ACTIVE"
                        && a["nodegroup"]["labels"]["cost-center"] == "ml"
                })
        })
        .expect("an update seen done");
    let updates = requests
        .iter()
        .filter(|r| r.path.ends_with("/update-config"))
        .count();
    assert_eq!(updates, 4);
    assert!(last_update < first_done, "updates ran one after another");
    ws.assert_no_changes();
}

#[test]
fn a_failed_update_reports_describe_updates_reason() {
    let emu = Emu::start();
    let ws = applied(&emu);
    emu.emulator.inject_fault(poolctl_emulator::Fault {
        method: Some("POST".into()),
        path_contains: Some("/node-groups/jupyter/update-config".into()),
        times: 1,
        kind: poolctl_emulator::FaultKind::FailOperation {
            message: "Ec2SubnetInvalidConfiguration: subnet has no free addresses".into(),
        },
    });
    ws.edit(
        "autoscale = { min = 1, max = 6 }",
        "autoscale = { min = 1, max = 8 }",
    );
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(text.contains("subnet has no free addresses"), "{text}");
    // The group is back as it was: the next plan still wants the change.
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("~ pool jupyter will be updated in place"),
        "{plan}"
    );
}

#[test]
fn failed_and_degraded_groups_show_in_the_plan_with_their_health_issues() {
    let emu = Emu::start();
    let ws = applied(&emu);
    emu.emulator
        .eks_set_health(poolctl_emulator::EksHealthRequest {
            region: common::eks::REGION.into(),
            cluster: common::eks::CLUSTER.into(),
            nodegroup: "gpu".into(),
            issues: vec![poolctl_emulator::EksHealthIssue {
                code: "AsgInstanceLaunchFailures".into(),
                message: "Could not launch On-Demand Instances. InsufficientInstanceCapacity"
                    .into(),
            }],
        })
        .expect("health set");
    let plan = ws.plan_with_changes();
    assert!(plan.contains("DEGRADED"), "{plan}");
    assert!(plan.contains("InsufficientInstanceCapacity"), "{plan}");

    // A group whose create failed is shown failed, with EKS's reason, and replaced.
    let emu = Emu::start();
    emu.emulator.inject_fault(poolctl_emulator::Fault {
        method: Some("POST".into()),
        path_contains: Some("/node-groups".into()),
        times: 1,
        kind: poolctl_emulator::FaultKind::FailOperation {
            message: "NodeCreationFailure: Instances failed to join the kubernetes cluster".into(),
        },
    });
    let ws = Workspace::new(&eks_blueprint(
        &emu.endpoint(),
        "[cluster.eks]\nsubnets = [\"subnet-0a1b2c3d\"]\nnode_role = \"arn:aws:iam::123456789012:role/nodes\"\n\n[pools.core]\nclass = \"core\"\nmachine_type = \"m6i.large\"\nsize = 1\n",
    ));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(text.contains("Instances failed to join"), "{text}");
    let plan = ws.plan_with_changes();
    assert!(plan.contains("CREATE_FAILED"), "{plan}");
    assert!(plan.contains("Instances failed to join"), "{plan}");
    ws.apply_ok();
    ws.assert_no_changes();
}

#[test]
fn an_update_in_progress_is_waited_out() {
    let emu = Emu::start();
    let ws = applied(&emu);
    emu.emulator.inject_fault(poolctl_emulator::Fault {
        method: Some("POST".into()),
        path_contains: Some("/node-groups/jupyter/update-config".into()),
        times: 1,
        kind: poolctl_emulator::FaultKind::Http {
            status: 409,
            grpc_status: String::new(),
            code: Some("ResourceInUseException".into()),
            message: "Nodegroup jupyter is currently being updated".into(),
            retry_after_seconds: None,
        },
    });
    ws.edit(
        "autoscale = { min = 1, max = 6 }",
        "autoscale = { min = 2, max = 6 }",
    );
    ws.apply_ok();
    let updates = emu.eks_calls("POST", "jupyter", "/update-config");
    assert_eq!(updates.len(), 2, "{updates:#?}");
    assert_eq!(updates[0].status, 409);
    ws.assert_no_changes();
}

const LAUNCH_TEMPLATE_POOLS: &str = r#"[cluster.eks]
subnets = ["subnet-0a1b2c3d"]
node_role = "arn:aws:iam::123456789012:role/nodes"

[pools.core]
class = "core"
machine_type = "m6i.large"
size = 1

[pools.custom]
class = "workload"
autoscale = { min = 1, max = 3 }
labels = { pool = "custom" }

[pools.custom.eks]
instance_types = ["m6i.xlarge"]
launch_template = { name = "mlrun-nodes", version = "1" }
"#;

#[test]
fn a_launch_template_version_moves_in_place_and_its_name_replaces() {
    let emu = Emu::start();
    let ws = Workspace::new(&eks_blueprint(&emu.endpoint(), LAUNCH_TEMPLATE_POOLS));
    ws.apply_ok();
    ws.assert_no_changes();
    let created = create_body(&emu, "custom");
    assert_eq!(
        created["launchTemplate"],
        json!({"name": "mlrun-nodes", "version": "1"})
    );
    // The template holds the disk and may hold the AMI: neither is sent.
    assert!(created.get("diskSize").is_none(), "{created}");
    assert!(created.get("amiType").is_none(), "{created}");

    ws.edit("version = \"1\"", "version = \"2\"");
    let plan = ws.plan_with_changes();
    assert!(plan.contains("launch_template.version"), "{plan}");
    assert!(plan.contains("update-version"), "{plan}");
    ws.apply_ok();
    let versions = emu.eks_calls("POST", "custom", "/update-version");
    assert_eq!(versions.len(), 1, "{versions:#?}");
    assert_eq!(
        body(&versions[0])["launchTemplate"],
        json!({"name": "mlrun-nodes", "version": "2"})
    );
    assert!(emu.eks_calls("POST", "custom", "/update-config").is_empty());
    ws.assert_no_changes();

    ws.edit("name = \"mlrun-nodes\"", "name = \"mlrun-nodes-v2\"");
    let plan = ws.plan_with_changes();
    assert!(plan.contains("-/+ pool custom must be replaced"), "{plan}");
    ws.apply_ok();
    ws.assert_no_changes();
}

#[test]
fn throttling_and_server_errors_are_retried() {
    let emu = Emu::start();
    let ws = applied(&emu);
    for (status, code) in [
        (429, "ThrottlingException"),
        (503, "ServiceUnavailableException"),
    ] {
        emu.emulator.inject_fault(poolctl_emulator::Fault {
            method: Some("POST".into()),
            path_contains: Some("/node-groups/jupyter/update-config".into()),
            times: 4,
            kind: poolctl_emulator::FaultKind::Http {
                status,
                grpc_status: String::new(),
                code: Some(code.into()),
                message: "Rate exceeded".into(),
                retry_after_seconds: None,
            },
        });
    }
    ws.edit(
        "autoscale = { min = 1, max = 6 }",
        "autoscale = { min = 1, max = 7 }",
    );
    ws.apply_ok();
    let updates = emu.eks_calls("POST", "jupyter", "/update-config");
    assert_eq!(
        updates.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 429, 429, 429, 503, 503, 503, 503, 200]
    );
    ws.assert_no_changes();
}

#[test]
fn the_region_comes_from_the_aws_environment_when_the_blueprint_has_none() {
    let emu = Emu::start();
    let text = eks_blueprint(&emu.endpoint(), &mlrun_tables())
        .replace(&format!("region = \"{}\"\n", common::eks::REGION), "");
    let ws = Workspace::new(&text);
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .env("AWS_REGION", common::eks::REGION)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    // The emulator keys clusters by the region the request was signed for.
    assert_eq!(emu.eks_nodegroups().len(), GROUPS);
    assert!(emu.eks_requests().iter().all(|r| r
        .authorization
        .as_deref()
        .is_some_and(|a| a.contains("/eu-west-1/eks/"))));
}

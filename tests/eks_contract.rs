//! Every request poolctl sends to EKS in the end-to-end scenarios, and every answer the
//! emulator gives, checked against botocore's EKS model (eks.service-2.json, API
//! 2017-11-01) by tests/common/contract/eks.rs: a third reading of the contract, sharing no
//! code with the provider or the emulator. Without the model the check skips, loudly;
//! with CI=true it fails.

mod common;

use common::contract::eks::{assert_conforms, official_eks_model, EksModel, Findings};
use common::eks::{eks_blueprint, mlrun_tables, CLUSTER, REGION};
use common::{Emu, Workspace};
use poolctl_emulator::{
    EksAutoscaleRequest, EksHealthIssue, EksHealthRequest, Fault, FaultKind, RecordedRequest,
};
use std::collections::BTreeSet;

/// Each request and its answer, checked against the model.
fn both_sides(model: &EksModel, requests: &[RecordedRequest]) -> Vec<(String, Findings)> {
    requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                format!("request[{i}] {} {} -> {}", r.method, r.path, r.status),
                model.check_exchange(
                    &r.method,
                    &r.path,
                    r.query.as_deref(),
                    r.body.as_ref(),
                    r.status,
                    r.response.as_ref(),
                ),
            )
        })
        .collect()
}

fn apply_failing(ws: &Workspace) {
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
}

#[test]
fn every_request_and_answer_of_the_scenarios_follows_the_botocore_model() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let emu = Emu::start();
    let ws = Workspace::new(&eks_blueprint(&emu.endpoint(), &mlrun_tables()));
    ws.apply_ok();
    // In place: labels and a taint (update-config and the autoscaler tags), bounds that move
    // desiredSize after the autoscaler grew the group.
    emu.emulator
        .eks_autoscale(EksAutoscaleRequest {
            region: REGION.into(),
            cluster: CLUSTER.into(),
            nodegroup: "jobs".into(),
            desired: 12,
        })
        .expect("autoscaler moves");
    ws.edit(
        "labels = { platform = \"mlrun\" }",
        "labels = { platform = \"mlrun2\" }",
    );
    ws.edit(
        "app.iguazio.com/node-group=jobs:NoExecute",
        "dedicated=jobs:NoSchedule",
    );
    ws.edit(
        "autoscale = { min = 0, max = 20 }",
        "autoscale = { min = 0, max = 8 }",
    );
    ws.apply_ok();
    // A replacement (instance type) and a delete.
    ws.edit(
        "machine_type = \"r6i.2xlarge\"",
        "machine_type = \"r7i.2xlarge\"",
    );
    let text = std::fs::read_to_string(ws.path()).expect("read");
    let start = text.find("# Stateless jobs on spot").expect("spot section");
    ws.write(&text[..start]);
    ws.apply_ok();
    // EKS's refusals and failures: an update in progress, a failed update, a degraded group.
    emu.emulator.inject_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("/node-groups/gpu/update-config".into()),
        times: 1,
        kind: FaultKind::Http {
            status: 409,
            grpc_status: String::new(),
            code: Some("ResourceInUseException".into()),
            message: "Nodegroup gpu is currently being updated".into(),
            retry_after_seconds: None,
        },
    });
    ws.edit(
        "autoscale = { min = 0, max = 4 }",
        "autoscale = { min = 0, max = 5 }",
    );
    ws.apply_ok();
    emu.emulator.inject_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("/node-groups/gpu/update-config".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "the subnet has no free addresses".into(),
        },
    });
    ws.edit(
        "autoscale = { min = 0, max = 5 }",
        "autoscale = { min = 0, max = 6 }",
    );
    apply_failing(&ws);
    emu.emulator
        .eks_set_health(EksHealthRequest {
            region: REGION.into(),
            cluster: CLUSTER.into(),
            nodegroup: "core".into(),
            issues: vec![EksHealthIssue {
                code: "AsgInstanceLaunchFailures".into(),
                message: "InsufficientInstanceCapacity".into(),
            }],
        })
        .expect("health set");
    let (code, _) = ws.plan_detailed();
    assert_eq!(code, Some(2));

    let requests: Vec<_> = emu
        .eks_requests()
        .into_iter()
        .filter(|r| r.status != 0)
        .collect();
    let operations: BTreeSet<String> = requests
        .iter()
        .filter_map(|r| model.operation(&r.method, &r.path).map(str::to_string))
        .collect();
    for expected in [
        "DescribeCluster",
        "ListNodegroups",
        "DescribeNodegroup",
        "CreateNodegroup",
        "UpdateNodegroupConfig",
        "DescribeUpdate",
        "DeleteNodegroup",
        "TagResource",
        "UntagResource",
    ] {
        assert!(
            operations.contains(expected),
            "{expected} not seen: {operations:?}"
        );
    }
    assert!(
        requests.iter().any(|r| r.status == 409),
        "a conflict was answered"
    );
    let checked = both_sides(model, &requests);
    assert!(checked.len() > 50, "{}", checked.len());
    assert_conforms(model, &checked);
}

#[test]
fn a_launch_template_version_update_follows_the_botocore_model() {
    let Some(model) = official_eks_model() else {
        return;
    };
    let emu = Emu::start();
    let ws = Workspace::new(&eks_blueprint(
        &emu.endpoint(),
        r#"[cluster.eks]
subnets = ["subnet-0a1b2c3d", "subnet-0b1c2d3e"]
node_role = "arn:aws:iam::123456789012:role/nodes"

[pools.custom]
class = "gpu"
gpu = { type = "nvidia-l4", count = 1 }
autoscale = { min = 0, max = 3 }

[pools.custom.eks]
instance_types = ["g6.xlarge", "g6.2xlarge"]
ami_type = "AL2023_x86_64_NVIDIA"
launch_template = { id = "lt-0123456789abcdef0", version = "4" }
"#,
    ));
    ws.apply_ok();
    ws.edit("version = \"4\"", "version = \"5\"");
    ws.apply_ok();
    ws.assert_no_changes();
    let requests: Vec<_> = emu.eks_requests();
    assert!(
        requests
            .iter()
            .any(|r| model.operation(&r.method, &r.path) == Some("UpdateNodegroupVersion")),
        "{requests:#?}"
    );
    let checked = both_sides(model, &requests);
    assert_conforms(model, &checked);
}

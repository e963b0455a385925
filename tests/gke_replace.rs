//! Replacement on GKE: a change the API cannot make in place (spot) replaces the pool,
//! create-before-destroy under a derived name by default, or delete-first on request; and
//! an interrupted replacement is finished by the next apply.

mod common;

use common::{gke_blueprint, stdout_of, Emu, ANALYTICS_POOLS};
use poolctl_emulator::{Fault, FaultKind};

/// The batch pool moved from spot to on-demand capacity.
fn on_demand_batch(pools: &str) -> String {
    pools.replace(
        "[pools.batch]\nclass = \"spot\"",
        "[pools.batch]\nclass = \"workload\"",
    )
}

#[test]
fn a_spot_change_replaces_the_pool_new_one_first() {
    let emu = Emu::start();
    let ws = common::applied_workspace(&emu, ANALYTICS_POOLS);
    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &on_demand_batch(ANALYTICS_POOLS),
    ));
    let (code, text) = ws.plan_detailed();
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("-/+ pool batch must be replaced: batch-"),
        "{text}"
    );
    assert!(
        text.contains("is created first, then batch is deleted"),
        "{text}"
    );
    assert!(
        text.contains("spot    true -> false  # forces replacement: GKE cannot change"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy."),
        "{text}"
    );

    let before = emu.mutations().len();
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));
    let sent: Vec<_> = emu.mutations_since(before);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].method, "POST");
    let new_name = sent[0].body.as_ref().expect("body")["nodePool"]["name"]
        .as_str()
        .expect("name")
        .to_string();
    assert!(
        new_name.starts_with("batch-") && new_name.len() == "batch-".len() + 4,
        "{new_name}"
    );
    assert_eq!(sent[1].method, "DELETE");
    assert!(sent[1].path.ends_with("/nodePools/batch"));

    // The new pool is found by its logical-name tag: nothing left to do.
    let (code, text) = ws.plan_detailed();
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn delete_first_replaces_in_the_other_order_under_the_same_name() {
    let emu = Emu::start();
    let ws = common::applied_workspace(&emu, ANALYTICS_POOLS);
    let pools = on_demand_batch(ANALYTICS_POOLS).replace(
        "[pools.batch]\nclass = \"workload\"",
        "[pools.batch]\nclass = \"workload\"\nreplace = \"delete-first\"",
    );
    ws.write(&gke_blueprint(&emu.endpoint(), &pools));
    let (_, text) = ws.plan_detailed();
    assert!(
        text.contains("must be replaced: it is deleted first, then created again"),
        "{text}"
    );
    let before = emu.mutations().len();
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));
    let sent: Vec<_> = emu.mutations_since(before);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].method, "DELETE");
    assert_eq!(sent[1].method, "POST");
    assert_eq!(
        sent[1].body.as_ref().expect("body")["nodePool"]["name"],
        "batch"
    );
    assert_eq!(ws.plan_detailed().0, Some(0));
}

#[test]
fn an_interrupted_replacement_is_finished_by_the_next_apply() {
    let emu = Emu::start();
    let ws = common::applied_workspace(&emu, ANALYTICS_POOLS);
    ws.write(&gke_blueprint(
        &emu.endpoint(),
        &on_demand_batch(ANALYTICS_POOLS),
    ));
    emu.emulator.inject_fault(Fault {
        method: Some("DELETE".into()),
        path_contains: Some("/nodePools/batch".into()),
        times: 1,
        kind: FaultKind::FailOperation {
            message: "Pod disruption budget blocks the drain".into(),
        },
    });
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stdout_of(&out));
    assert!(
        stdout_of(&out).contains("Pod disruption budget"),
        "{}",
        stdout_of(&out)
    );

    // Both pools carry the logical name `batch`: the old one is a leftover.
    let (code, text) = ws.plan_detailed();
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("- pool batch will be deleted: a newer pool with the same logical name matches the blueprint"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy."),
        "{text}"
    );
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));
    assert_eq!(ws.plan_detailed().0, Some(0));
}

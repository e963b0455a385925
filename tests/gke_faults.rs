//! The cloud's bad days: throttling, busy pools and failed operations, injected into the
//! emulator. Busy answers are retried, never reported; real failures are reported with
//! the cloud's message and nothing is deleted after them.

mod common;

use common::{gke_blueprint, stdout_of, Emu, Workspace, ANALYTICS_POOLS};
use poolctl_emulator::{Fault, FaultKind};

fn fault(method: &str, path: &str, kind: FaultKind) -> Fault {
    Fault {
        method: Some(method.to_string()),
        path_contains: Some(path.to_string()),
        times: 1,
        kind,
    }
}

#[test]
fn throttling_and_busy_answers_are_retried_until_the_apply_succeeds() {
    let emu = Emu::start();
    emu.emulator.inject_fault(fault(
        "POST",
        "/nodePools",
        FaultKind::Http {
            status: 429,
            grpc_status: "RESOURCE_EXHAUSTED".into(),
            message: "Quota exceeded for quota metric 'Write requests'".into(),
            retry_after_seconds: Some(1),
            code: None,
        },
    ));
    emu.emulator.inject_fault(fault(
        "POST",
        "/nodePools",
        FaultKind::Http {
            status: 400,
            grpc_status: "FAILED_PRECONDITION".into(),
            message: "Operation operation-1 is currently creating node pool core. Please wait and try again once it is done.".into(),
            retry_after_seconds: None,
            code: None,
        },
    ));
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("4 created"), "{text}");
    assert!(
        text.contains("cloud busy, retrying"),
        "the retry is shown:\n{text}"
    );
    let throttled: Vec<u16> = emu
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/nodePools"))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        throttled.iter().filter(|s| **s == 429).count(),
        1,
        "{throttled:?}"
    );
    assert_eq!(
        throttled.iter().filter(|s| **s == 400).count(),
        1,
        "{throttled:?}"
    );
    assert_eq!(
        throttled.iter().filter(|s| **s == 200).count(),
        4,
        "{throttled:?}"
    );
}

#[test]
fn a_failed_operation_is_reported_with_the_clouds_message_and_deletes_nothing() {
    let emu = Emu::start();
    let ws = common::applied_workspace(&emu, ANALYTICS_POOLS);

    // Next run: grow core (fails in the cloud) and drop batch (must then not be deleted).
    let pools = ANALYTICS_POOLS.replace("size = 2", "size = 4");
    let pools = pools.split("[pools.batch]").next().expect("batch");
    ws.write(&gke_blueprint(&emu.endpoint(), pools));
    emu.emulator.inject_fault(fault(
        "POST",
        ":setSize",
        FaultKind::FailOperation {
            message: "Insufficient regional quota to satisfy request: resource \"CPUS\"".into(),
        },
    ));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("failed  core"), "{text}");
    assert!(text.contains("Insufficient regional quota"), "{text}");
    assert!(text.contains("skipped batch"), "{text}");
    assert!(text.contains("Apply incomplete."), "{text}");
    assert!(
        !emu.requests().iter().any(|r| r.method == "DELETE"),
        "nothing is deleted after a failure"
    );
}

#[test]
fn apply_asks_first_and_a_no_changes_nothing() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["apply"])
        .write_stdin("no\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    assert!(text.contains("Only 'yes' will be accepted"), "{text}");
    assert!(text.contains("Apply cancelled"), "{text}");
    assert!(emu.mutations().is_empty());

    let out = ws
        .poolctl(&["apply"])
        .write_stdin("yes\n")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));
    assert_eq!(emu.mutations().len(), 4);
}

//! Interruption: a SIGINT or SIGTERM during `apply` starts nothing new, waits for the
//! cloud operations already running, reports what was done and what was not, and exits
//! 130; a second signal exits at once naming the operations still running. A later apply
//! finishes the job.

mod common;

use common::{
    finish, gke_blueprint, poolctl, spawn_poolctl, stderr_of, stdout_of, Emu, Workspace,
    ANALYTICS_POOLS,
};
use std::process::Child;
use std::time::{Duration, Instant};

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn the_first_sigint_lets_running_operations_finish_and_starts_nothing_new() {
    let emu = Emu::slow(1500);
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let child = spawn_poolctl(&ws, &["apply", "--auto-approve"]);
    // GKE runs one operation at a time: the core pool is being created.
    emu.wait_for_gke_creates(1);
    signal(&child, "INT");
    let (code, out, err) = finish(child);
    assert_eq!(code, Some(130), "{out}\n{err}");
    assert!(
        err.contains("Interrupted: poolctl starts nothing new"),
        "{err}"
    );
    // The running create was waited for and reported done; the rest never started.
    assert!(out.contains("core: created"), "{out}");
    assert!(out.contains("not started batch (+)"), "{out}");
    assert!(out.contains("not started gpu (+)"), "{out}");
    assert!(out.contains("not started highmem (+)"), "{out}");
    assert!(
        out.contains("Apply incomplete. Pools: 1 created, 0 updated, 0 replaced, 0 deleted, 0 failed, 0 skipped, 3 not started (interrupted)"),
        "{out}"
    );
    assert!(
        out.contains("Run the same command again to finish the job"),
        "{out}"
    );
    assert_eq!(emu.gke_creates(), 1, "nothing was started after the signal");
    assert_eq!(emu.gke_pool_names("analytics"), vec!["core".to_string()]);

    // The plan reads the truth, and a second apply finishes the job.
    let text = ws.plan_with_changes();
    assert!(text.contains("3 to add"), "{text}");
    ws.apply_ok();
    assert_eq!(emu.gke_creates(), 4, "no pool was created twice");
    ws.assert_no_changes();
}

#[test]
fn sigterm_from_a_ci_runner_is_an_interruption_too() {
    let emu = Emu::slow(1500);
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let child = spawn_poolctl(&ws, &["apply", "--auto-approve"]);
    emu.wait_for_gke_creates(1);
    signal(&child, "TERM");
    let (code, out, err) = finish(child);
    assert_eq!(code, Some(130), "{out}\n{err}");
    assert!(out.contains("3 not started (interrupted)"), "{out}");
}

#[test]
fn a_second_sigint_exits_at_once_and_names_the_running_operation() {
    let emu = Emu::slow(4000);
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let child = spawn_poolctl(&ws, &["apply", "--auto-approve"]);
    emu.wait_for_gke_creates(1);
    // Wait until poolctl has read the operation it started (its first poll).
    let started = Instant::now();
    while !emu
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path.contains("/operations/"))
    {
        assert!(started.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    signal(&child, "INT");
    let (code, out, err) = finish(child);
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "the second signal must not wait for the operation"
    );
    assert_eq!(code, Some(130), "{out}\n{err}");
    assert!(
        err.contains("Exiting at once. These cloud operations are still running:"),
        "{err}"
    );
    // The core pool's create answered with its operation, which is still running.
    let operation = emu
        .requests()
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/nodePools"))
        .and_then(|r| r.response.as_ref())
        .and_then(|answer| answer["name"].as_str().map(str::to_string))
        .expect("an operation id");
    assert!(err.contains("+ core: "), "{err}");
    assert!(err.contains(&operation), "{operation} not named in:\n{err}");

    // The operation goes on in the cloud, and the lock of the apply that was cut short
    // stays: the next apply is refused until someone breaks it.
    std::thread::sleep(Duration::from_millis(4500));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("the cluster is locked by"),
        "{}",
        stderr_of(&out)
    );
    let out = ws.poolctl(&["unlock", "--force"]).output().expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    // Once the operation is done, apply creates only the rest.
    let out = poolctl()
        .current_dir(ws.dir.path())
        .args(["apply", "--auto-approve", "-f"])
        .arg(ws.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));
    assert_eq!(emu.gke_creates(), 4, "core was not created twice");
    ws.assert_no_changes();
}

//! Two applies on one cluster at once: the cloud-kept lock lets exactly one act. The
//! other refuses at once, naming the holder and since when (`--lock-timeout 0s`, the
//! default), or waits for the lock and then refuses to run a plan that the first apply
//! made stale. Nothing is lost or created twice; `poolctl unlock` breaks a lock left by
//! an apply that was killed.

mod common;

use common::{finish, gke_blueprint, spawn_poolctl, stderr_of, Emu, Workspace, ANALYTICS_POOLS};

fn mutations(emu: &Emu) -> usize {
    // Pool writes only: the lock's own label writes are not pool changes.
    emu.requests()
        .iter()
        .filter(|r| r.method != "GET" && r.path.contains("/nodePools"))
        .count()
}

#[test]
fn a_second_apply_refuses_while_the_first_holds_the_lock() {
    let emu = Emu::slow(800);
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    // A CI job names itself as the lock's holder.
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolctl"));
    let first = first
        .current_dir(ws.dir.path())
        .args(["apply", "--auto-approve", "-f"])
        .arg(ws.path())
        .env("POOLCTL_LOCK_HOLDER", "Deploy Prod #1234")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("poolctl starts");
    emu.wait_for_gke_creates(1);

    let before = mutations(&emu);
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the cluster is locked by deploy-prod-1234"),
        "{err}"
    );
    assert!(err.contains("ago"), "says since when:\n{err}");
    assert!(err.contains("--lock-timeout"), "says how to wait:\n{err}");
    // The second apply changed no pool; the first, still running, may have.
    let (code, out, err) = finish(first);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(mutations(&emu) >= before);
    assert_eq!(emu.gke_creates(), 4, "every pool created once");
    ws.assert_no_changes();
    // The lock was released: nothing is left on the cluster.
    let out = ws.poolctl(&["unlock"]).output().expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn a_second_apply_that_waits_for_the_lock_does_not_run_its_stale_plan() {
    let emu = Emu::slow(800);
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let first = spawn_poolctl(&ws, &["apply", "--auto-approve"]);
    emu.wait_for_gke_creates(1);
    // Planned now (4 creates), but locked out until the first apply is done.
    let second = spawn_poolctl(&ws, &["apply", "--auto-approve", "--lock-timeout", "60s"]);
    let (code, out, err) = finish(first);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = finish(second);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("changed since it was planned") && err.contains("Plan again"),
        "{err}"
    );
    assert_eq!(emu.gke_creates(), 4, "no pool was created twice");
    ws.assert_no_changes();
}

#[test]
fn an_apply_is_not_blocked_by_the_lock_of_another_cluster() {
    let emu = Emu::slow(800);
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let other = Workspace::new(
        &gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS)
            .replace("name = \"analytics\"", "name = \"reporting\""),
    );
    let first = spawn_poolctl(&ws, &["apply", "--auto-approve"]);
    emu.wait_for_gke_creates(1);
    let out = other
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (code, out, err) = finish(first);
    assert_eq!(code, Some(0), "{out}{err}");
}

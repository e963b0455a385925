//! One CLI shape: `validate`, `plan` and `apply` take `-f FILE`, positional files or a
//! folder; `apply` tells a saved plan from a blueprint by its content; output survives a
//! closed pipe; errors say their cause once; `-v` shows the cloud calls.

mod common;

use common::{gke_blueprint, poolctl, stderr_of, stdout_of, Emu, Workspace, ANALYTICS_POOLS};
use std::path::Path;

const CORE: &str = "[pools.core]\nclass = \"core\"\nmachine_type = \"e2-standard-4\"\nsize = 3\n";

/// A folder with two valid blueprints (two clusters) and returns its path.
fn fleet_folder(emu: &Emu, dir: &Path) -> std::path::PathBuf {
    let folder = dir.join("fleet");
    std::fs::create_dir(&folder).expect("mkdir");
    for cluster in ["alpha", "beta"] {
        let text = gke_blueprint(&emu.endpoint(), CORE).replace("analytics", cluster);
        std::fs::write(folder.join(format!("{cluster}.toml")), text).expect("write");
    }
    std::fs::write(folder.join("README.md"), "not a blueprint").expect("write");
    folder
}

#[test]
fn validate_takes_a_file_either_way_and_a_folder() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    let by_flag = ws.poolctl(&["validate"]).output().expect("runs");
    let positional = poolctl()
        .current_dir(ws.dir.path())
        .args(["validate", "blueprint.toml"])
        .output()
        .expect("runs");
    for out in [&by_flag, &positional] {
        assert!(out.status.success(), "{}", stderr_of(out));
        assert!(
            stdout_of(out).contains(
                "is valid: gke cluster analytics with 4 pools (batch, core, gpu, highmem)."
            ),
            "{}",
            stdout_of(out)
        );
    }
    let folder = fleet_folder(&emu, ws.dir.path());
    let out = poolctl()
        .arg("validate")
        .arg(&folder)
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        text.contains("alpha.toml is valid: gke cluster alpha with 1 pool (core)."),
        "{text}"
    );
    assert!(
        text.contains("beta.toml is valid: gke cluster beta with 1 pool (core)."),
        "{text}"
    );
    // A static size in a regional cluster is left to plan, and validate says so.
    assert!(
        text.contains("alpha.toml:11:8: pool core: `size = 3` is checked against the cluster's zones by `poolctl plan`"),
        "{text}"
    );

    std::fs::write(
        folder.join("broken.toml"),
        "[cluster]\nprovider = \"gke\"\n",
    )
    .expect("write");
    let out = poolctl()
        .arg("validate")
        .arg(&folder)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("alpha.toml is valid"),
        "the others are still checked"
    );
    assert!(
        stderr_of(&out).contains("broken.toml"),
        "{}",
        stderr_of(&out)
    );
    assert!(emu.requests().is_empty(), "validate calls no cloud");
}

#[test]
fn validate_json_gives_each_diagnostic_with_its_position() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(
        &emu.endpoint(),
        "[pools.core]\nclass = \"core\"\nmachin_type = \"e2-standard-4\"\nsize = 3\n",
    ));
    let out = ws.poolctl(&["validate", "--json"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["valid"], false);
    let diagnostic = &report["blueprints"][0]["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["code"], "blueprint::unknown_key");
    assert_eq!(diagnostic["line"], 10);
    assert_eq!(diagnostic["column"], 1);
    assert_eq!(
        diagnostic["message"],
        "unknown key `machin_type` in [pools.core]"
    );
    assert_eq!(diagnostic["help"], "did you mean `machine_type`?");
    assert!(diagnostic["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("blueprint.toml")));
}

#[test]
fn plan_takes_a_file_either_way_and_a_folder() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), CORE));
    let positional = poolctl()
        .current_dir(ws.dir.path())
        .args(["plan", "blueprint.toml"])
        .output()
        .expect("runs");
    assert!(positional.status.success(), "{}", stderr_of(&positional));
    assert!(stdout_of(&positional).contains("+ pool core will be created"));
    let folder = fleet_folder(&emu, ws.dir.path());
    let out = poolctl().arg("plan").arg(&folder).output().expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("Fleet: 2 clusters planned, 2 with changes, 0 failed."),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn apply_applies_a_blueprint_given_without_f() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), CORE));
    let out = poolctl()
        .current_dir(ws.dir.path())
        .args(["apply", "blueprint.toml", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("Apply complete! Pools: 1 created"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn apply_with_nothing_says_both_forms() {
    let out = poolctl().arg("apply").output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("poolctl apply -f blueprint.toml"), "{err}");
    assert!(err.contains("poolctl apply plan.json"), "{err}");
}

#[test]
fn a_fleet_folder_applies_every_cluster_after_one_confirmation() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = fleet_folder(&emu, dir.path());
    let out = poolctl()
        .arg("apply")
        .arg(&folder)
        .write_stdin("yes\n")
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}{}", stderr_of(&out));
    assert_eq!(
        text.matches("Do you want to perform these actions").count(),
        1,
        "{text}"
    );
    assert!(text.contains("on 2 clusters (alpha, beta)?"), "{text}");
    assert!(
        text.contains("Fleet: 2 clusters applied, 0 with failures."),
        "{text}"
    );
    let out = poolctl()
        .args(["plan", "--detailed-exitcode"])
        .arg(&folder)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
}

/// Runs poolctl with its standard output a pipe whose reading end is already closed.
fn with_closed_stdout(cmd: &mut std::process::Command) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = cmd
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    child.wait_with_output().expect("waits")
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS));
    for args in [
        vec!["validate", "blueprint.toml"],
        vec!["validate", "--json", "blueprint.toml"],
        vec!["plan", "blueprint.toml"],
        vec!["plan", "--json", "blueprint.toml"],
    ] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolctl"));
        cmd.current_dir(ws.dir.path()).args(&args);
        let out = with_closed_stdout(&mut cmd);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(141) || code.is_none(),
            "{args:?}: {:?}",
            out.status
        );
        assert_ne!(code, Some(101), "{args:?} panicked");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_missing_file_says_its_cause_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    for command in ["validate", "plan", "apply"] {
        let out = poolctl()
            .current_dir(dir.path())
            .args([command, "missing.toml"])
            .output()
            .expect("runs");
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains("cannot read blueprint missing.toml"),
            "{command}: {err}"
        );
        assert_eq!(
            err.matches("No such file or directory").count(),
            1,
            "{command}: {err}"
        );
    }
}

#[test]
fn without_google_credentials_plan_says_what_was_tried_and_how_to_fix_it() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), CORE));
    let home = tempfile::tempdir().expect("empty home");
    let out = ws
        .poolctl(&["plan"])
        .env("POOLCTL_GKE_AUTH", "google")
        .env("HOME", home.path())
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env_remove("CLOUDSDK_CONFIG")
        // A metadata server that is not there, on this machine: nothing leaves loopback.
        .env("GCE_METADATA_HOST", "127.0.0.1:9")
        .output()
        .expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("GOOGLE_APPLICATION_CREDENTIALS is not set"),
        "{err}"
    );
    assert!(
        err.contains(".config/gcloud/application_default_credentials.json does not exist"),
        "{err}"
    );
    assert!(err.contains("the metadata server at 127.0.0.1:9"), "{err}");
    assert!(
        err.contains("gcloud auth application-default login"),
        "{err}"
    );
    assert!(err.contains("--emulator"), "{err}");
    assert!(!err.contains("future attempts may succeed"), "{err}");
    assert!(
        emu.requests().is_empty(),
        "nothing is sent without credentials"
    );
}

#[test]
fn verbose_shows_one_line_per_cloud_call_and_bodies_at_vv() {
    let emu = Emu::start();
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), CORE));
    let out = ws.poolctl(&["plan", "-v"]).output().expect("runs");
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    let calls: Vec<&str> = err.lines().filter(|l| l.contains(" INFO ")).collect();
    assert_eq!(calls.len(), emu.requests().len(), "{err}");
    assert!(
        err.contains(
            "GET /v1/projects/acme/locations/europe-west1/clusters/analytics/nodePools -> 200 in "
        ),
        "{err}"
    );
    for chatter in ["hyper", "reqwest", "connection", "pool", "DEBUG"] {
        let noisy: Vec<&str> = err
            .lines()
            .filter(|l| l.contains(chatter) && !l.contains("/nodePools"))
            .collect();
        assert!(noisy.is_empty(), "{chatter}: {noisy:?}");
    }

    let out = ws
        .poolctl(&["apply", "--auto-approve", "-vv"])
        .output()
        .expect("runs");
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "POST /v1/projects/acme/locations/europe-west1/clusters/analytics/nodePools -> 200 in "
        ),
        "{err}"
    );
    assert!(err.contains("request body: {\"nodePool\":"), "{err}");
    assert!(err.contains("response 200: {"), "{err}");
}

#[test]
fn an_eks_plan_without_region_or_credentials_says_how_to_give_them() {
    let ws = Workspace::new(
        "[cluster]\nprovider = \"eks\"\nname = \"platform\"\n\n[cluster.eks]\nsubnets = [\"subnet-0a1b2c3d\"]\nnode_role = \"arn:aws:iam::123456789012:role/nodes\"\n\n[pools.system]\nclass = \"core\"\nmachine_type = \"m6i.large\"\nsize = 3\n",
    );
    let out = ws.poolctl(&["validate"]).output().expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    // No AWS configuration at all: a home without ~/.aws, no AWS_* variables, no metadata server.
    let home = tempfile::tempdir().expect("temp dir");
    let bare = |cmd: &mut assert_cmd::Command| {
        for var in [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", home.path()).env("POOLCTL_EKS_AUTH", "auto");
    };
    let mut plan = ws.poolctl(&["plan"]);
    bare(&mut plan);
    let out = plan.output().expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no AWS region"), "{err}");
    assert!(err.contains("`region` in [cluster]"), "{err}");

    ws.write(&std::fs::read_to_string(ws.path()).expect("read").replace(
        "name = \"platform\"\n",
        "name = \"platform\"\nregion = \"eu-west-1\"\n",
    ));
    let mut plan = ws.poolctl(&["plan"]);
    bare(&mut plan);
    let out = plan.output().expect("runs");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no AWS credentials"), "{err}");
    assert!(err.contains("aws configure"), "{err}");
    // The SDK's own warnings about each credential source stay out of the way.
    assert!(!err.contains("WARN"), "{err}");
}

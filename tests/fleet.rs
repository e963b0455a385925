//! Fleet planning: many blueprints (files or a folder) planned in one run, concurrently,
//! with one plan per cluster and a fleet summary; JSON and Markdown through the CLI.

mod common;

use common::{poolctl, stderr_of, stdout_of, Emu};

#[test]
fn a_folder_of_blueprints_is_planned_as_a_fleet() {
    let emu = Emu::start();
    let dir = common::gke_fleet_dir(&emu, &["dev", "prod", "staging"]);
    let out = poolctl()
        .args(["plan", "--detailed-exitcode", "--parallelism", "3"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(2), "{text}{}", stderr_of(&out));
    for cluster in ["dev", "prod", "staging"] {
        assert!(text.contains(&format!("gke cluster {cluster}\n")), "{text}");
    }
    assert!(
        text.contains("Fleet: 3 clusters planned, 3 with changes, 0 failed. Plan: 12 to add, 0 to change, 0 to replace, 0 to destroy."),
        "{text}"
    );
    // Clusters appear in file order whatever order their reads finished in.
    let dev = text.find("cluster dev").expect("dev");
    let staging = text.find("cluster staging").expect("staging");
    assert!(dev < staging);
}

#[test]
fn one_bad_blueprint_fails_the_run_but_not_the_others() {
    let emu = Emu::start();
    let dir = common::gke_fleet_dir(&emu, &["dev", "prod"]);
    std::fs::write(
        dir.path().join("broken.toml"),
        "[cluster]\nprovider = \"gcp\"\n",
    )
    .expect("write");
    let out = poolctl()
        .arg("plan")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("broken.toml"),
        "{}",
        stderr_of(&out)
    );
    assert!(
        stdout_of(&out).contains("Fleet: 3 clusters planned, 2 with changes, 1 failed."),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn json_output_is_one_document_per_run() {
    let emu = Emu::start();
    let dir = common::gke_fleet_dir(&emu, &["dev", "prod"]);
    let out = poolctl()
        .args(["plan", "--json"])
        .arg(dir.path().join("dev.toml"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["format_version"], "2");
    assert_eq!(doc["cluster"], "dev");
    assert_eq!(doc["summary"]["add"], 4);

    let out = poolctl()
        .args(["plan", "--json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["format_version"], "2");
    assert_eq!(doc["failed"], serde_json::json!([]));
    assert_eq!(doc["clusters"].as_array().map(Vec::len), Some(2));
    assert_eq!(doc["summary"]["add"], 8);
}

#[test]
fn markdown_output_is_ready_for_a_pull_request() {
    let emu = Emu::start();
    let dir = common::gke_fleet_dir(&emu, &["dev"]);
    let out = poolctl()
        .args(["plan", "--markdown", "-f"])
        .arg(dir.path().join("dev.toml"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("<details>"), "{text}");
    assert!(
        text.contains("Plan: 4 to add, 0 to change, 0 to replace, 0 to destroy"),
        "{text}"
    );
}

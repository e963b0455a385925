//! `poolctl emulator` as a separate process: clusters created through its control
//! endpoint, and state that survives a restart with the same --state folder.

mod common;

use common::{gke_blueprint, stderr_of, stdout_of, Workspace, ANALYTICS_POOLS};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct EmulatorProcess {
    child: Child,
    endpoint: String,
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_emulator(state: &std::path::Path, extra: &[&str]) -> EmulatorProcess {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("poolctl"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--operation-ms",
            "100",
            "--state",
        ])
        .arg(state)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("emulator starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("emulator prints its address");
    let endpoint = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    EmulatorProcess { child, endpoint }
}

#[test]
fn state_survives_a_restart_of_the_emulator() {
    let state = tempfile::tempdir().expect("temp dir");
    let first = spawn_emulator(state.path(), &["--auto-create-clusters"]);
    let ws = Workspace::new(&gke_blueprint(&first.endpoint, ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stdout_of(&out));
    drop(first);

    let second = spawn_emulator(state.path(), &[]);
    ws.write(&gke_blueprint(&second.endpoint, ANALYTICS_POOLS));
    let out = ws
        .poolctl(&["plan", "--detailed-exitcode"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(stdout_of(&out).contains("No changes"));
}

#[test]
fn clusters_come_from_the_control_endpoint_unless_auto_created() {
    let state = tempfile::tempdir().expect("temp dir");
    let emulator = spawn_emulator(state.path(), &[]);
    let ws = Workspace::new(&gke_blueprint(&emulator.endpoint, ANALYTICS_POOLS));

    let out = ws.poolctl(&["plan"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("404 NOT_FOUND"), "{err}");
    assert!(
        err.contains("Not found: projects/acme/locations/europe-west1/clusters/analytics"),
        "{err}"
    );

    let created = reqwest::blocking::Client::new()
        .post(format!("{}/_emulator/gke/clusters", emulator.endpoint))
        .json(&serde_json::json!({
            "project": "acme", "location": "europe-west1", "name": "analytics",
            "locations": ["europe-west1-b", "europe-west1-c"]
        }))
        .send()
        .expect("emulator answers");
    assert!(created.status().is_success());

    let out = ws
        .poolctl(&["plan", "--detailed-exitcode"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("Plan: 4 to add"));
}

#[test]
fn one_emulator_port_serves_gke_and_aks() {
    use common::aks::{aks_blueprint, CLUSTER, RESOURCE_GROUP, SUBSCRIPTION};
    let state = tempfile::tempdir().expect("temp dir");
    let emulator = spawn_emulator(state.path(), &[]);
    let pools = "[pools.jobs]\nclass = \"workload\"\nmachine_type = \"Standard_D8s_v5\"\nautoscale = { min = 0, max = 4 }\n";
    let ws = Workspace::new(&aks_blueprint(&emulator.endpoint, pools));

    // An unknown managed cluster is ARM's 404, in ARM's words.
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("ResourceNotFound"), "{err}");

    let created = reqwest::blocking::Client::new()
        .post(format!("{}/_emulator/aks/clusters", emulator.endpoint))
        .json(&serde_json::json!({
            "subscription": SUBSCRIPTION, "resourceGroup": RESOURCE_GROUP,
            "name": CLUSTER, "location": "westeurope"
        }))
        .send()
        .expect("emulator answers");
    assert!(created.status().is_success(), "{:?}", created.text());
    let out = ws
        .poolctl(&["apply", "--auto-approve"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let out = ws
        .poolctl(&["plan", "--detailed-exitcode"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));

    // The GKE API is on the same port.
    let gke = Workspace::new(&gke_blueprint(&emulator.endpoint, ANALYTICS_POOLS));
    let out = gke.poolctl(&["plan"]).output().expect("runs");
    assert!(
        stderr_of(&out).contains("404 NOT_FOUND"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn the_same_port_serves_eks_with_its_clusters_by_region() {
    use common::eks::{eks_blueprint, CLUSTER, REGION};
    let state = tempfile::tempdir().expect("temp dir");
    let emulator = spawn_emulator(state.path(), &[]);
    let tables = "[cluster.eks]\nsubnets = [\"subnet-0a1b2c3d\"]\nnode_role = \"arn:aws:iam::123456789012:role/nodes\"\n\n[pools.jobs]\nclass = \"workload\"\nmachine_type = \"r6i.2xlarge\"\nautoscale = { min = 0, max = 4 }\n";
    let ws = Workspace::new(&eks_blueprint(&emulator.endpoint, tables));

    // An unknown cluster is EKS's ResourceNotFoundException, with the cluster and region named.
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    assert!(err.contains(CLUSTER) && err.contains(REGION), "{err}");

    // A cluster of the same name in another region is another cluster.
    let create = |region: &str| {
        let created = reqwest::blocking::Client::new()
            .post(format!("{}/_emulator/eks/clusters", emulator.endpoint))
            .json(&serde_json::json!({"region": region, "name": CLUSTER}))
            .send()
            .expect("emulator answers");
        assert!(created.status().is_success(), "{:?}", created.text());
    };
    create("us-east-1");
    let out = ws.poolctl(&["plan"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stdout_of(&out));
    create(REGION);
    ws.apply_ok();
    ws.assert_no_changes();
}

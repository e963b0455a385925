//! Shared helpers for the CLI tests: an emulator on a loopback port, blueprints written
//! into a temporary folder, and the poolctl binary run against them.
#![allow(dead_code)]

use assert_cmd::Command;
use poolctl_emulator::{EmulatorConfig, RunningEmulator};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An emulator running on its own runtime for the length of a test.
pub struct Emu {
    pub emulator: RunningEmulator,
    _runtime: tokio::runtime::Runtime,
}

impl Emu {
    pub fn start() -> Emu {
        Self::with(EmulatorConfig {
            // Operations end after two status polls: no test depends on the machine's speed.
            operation_polls: Some(2),
            auto_create_clusters: true,
            ..EmulatorConfig::default()
        })
    }

    pub fn with(config: EmulatorConfig) -> Emu {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let emulator = runtime
            .block_on(poolctl_emulator::start_loopback(config))
            .expect("emulator starts");
        Emu {
            emulator,
            _runtime: runtime,
        }
    }

    /// An emulator whose operations take `millis` of wall time, for tests that act while
    /// an apply runs.
    pub fn slow(millis: u64) -> Emu {
        Self::with(EmulatorConfig {
            operation_duration: Duration::from_millis(millis),
            auto_create_clusters: true,
            ..EmulatorConfig::default()
        })
    }

    /// How many GKE pool creates the emulator received.
    pub fn gke_creates(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/nodePools"))
            .count()
    }

    /// The names of the GKE cluster's pools as the emulated cloud holds them, sorted (read
    /// from its state, which is no API request).
    pub fn gke_pool_names(&self, cluster: &str) -> Vec<String> {
        let snapshot = self.emulator.snapshot();
        let mut names: Vec<String> = snapshot["clusters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["name"] == cluster)
            .flat_map(|c| c["nodePools"].as_array().cloned().unwrap_or_default())
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// Waits (at most 30 s) until the emulator has received `n` GKE pool creates.
    pub fn wait_for_gke_creates(&self, n: usize) {
        let started = std::time::Instant::now();
        while self.gke_creates() < n {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "poolctl never sent create #{n}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn endpoint(&self) -> String {
        self.emulator.endpoint()
    }

    /// Every GKE API request the emulator received, as (method, path, body).
    pub fn requests(&self) -> Vec<poolctl_emulator::RecordedRequest> {
        self.emulator.requests()
    }

    /// A change made outside poolctl ("by hand"), straight to the emulated API of the
    /// test cluster: `suffix` follows `.../clusters/analytics`. Waits for the operation.
    pub fn by_hand(&self, method: reqwest::Method, suffix: &str, body: serde_json::Value) {
        let base = format!(
            "{}/v1/projects/acme/locations/europe-west1",
            self.endpoint()
        );
        let client = reqwest::blocking::Client::new();
        let answer = client
            .request(method, format!("{base}/clusters/analytics{suffix}"))
            .json(&body)
            .send()
            .expect("emulator answers");
        assert!(answer.status().is_success(), "{:?}", answer.text());
        let operation: serde_json::Value = answer.json().expect("an operation");
        let name = operation["name"]
            .as_str()
            .expect("operation name")
            .to_string();
        for _ in 0..100 {
            let now: serde_json::Value = client
                .get(format!("{base}/operations/{name}"))
                .send()
                .and_then(|r| r.json())
                .expect("operation");
            if now["status"] == "DONE" {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("operation {name} did not finish");
    }

    /// The changing requests received after the first `before` of them.
    pub fn mutations_since(&self, before: usize) -> Vec<poolctl_emulator::RecordedRequest> {
        self.mutations().into_iter().skip(before).collect()
    }

    /// Requests that change pools (everything but GET, and but the writes of the cluster
    /// lock's records, which tests/apply_lock.rs and tests/cluster_lock.rs look at).
    pub fn mutations(&self) -> Vec<poolctl_emulator::RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET" && !is_lock_request(r))
            .collect()
    }
}

/// Whether a request reads or writes the cluster lock's records: GKE's cluster labels,
/// the ARM tags of an AKS cluster, or the tags of an EKS cluster's ARN.
pub fn is_lock_request(r: &poolctl_emulator::RecordedRequest) -> bool {
    let path = r.path.replace("%3A", ":").replace("%2F", "/");
    path.ends_with(":setResourceLabels")
        || path.contains("/providers/Microsoft.Resources/tags/")
        || (path.starts_with("/tags/") && path.contains(":cluster/"))
}

/// A temporary folder holding one blueprint.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub blueprint: PathBuf,
}

impl Workspace {
    pub fn new(text: &str) -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        let blueprint = dir.path().join("blueprint.toml");
        std::fs::write(&blueprint, text).expect("write blueprint");
        Workspace { dir, blueprint }
    }

    pub fn write(&self, text: &str) {
        std::fs::write(&self.blueprint, text).expect("write blueprint");
    }

    pub fn path(&self) -> &Path {
        &self.blueprint
    }

    /// Replaces the first `from` in the blueprint with `to`; `from` must be there.
    pub fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.blueprint).expect("read blueprint");
        assert!(text.contains(from), "{from} not in the blueprint");
        self.write(&text.replacen(from, to, 1));
    }

    /// `plan --detailed-exitcode`, which must find changes; returns the plan text.
    pub fn plan_with_changes(&self) -> String {
        let (code, text) = self.plan_detailed();
        assert_eq!(code, Some(2), "{text}");
        text
    }

    /// `plan --detailed-exitcode`: its exit code and the plan text.
    pub fn plan_detailed(&self) -> (Option<i32>, String) {
        let out = self
            .poolctl(&["plan", "--detailed-exitcode"])
            .output()
            .expect("runs");
        (out.status.code(), stdout_of(&out))
    }

    /// Asserts that a plan finds nothing to do.
    pub fn assert_no_changes(&self) {
        let (code, text) = self.plan_detailed();
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("No changes"), "{text}");
    }

    /// `apply --auto-approve`, which must succeed; returns its output.
    pub fn apply_ok(&self) -> String {
        let out = self
            .poolctl(&["apply", "--auto-approve"])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "apply failed:\n{}{}",
            stdout_of(&out),
            stderr_of(&out)
        );
        stdout_of(&out)
    }

    /// `poolctl ARGS -f blueprint.toml`, with no colour and no stray endpoint override.
    pub fn poolctl(&self, args: &[&str]) -> Command {
        let mut cmd = poolctl();
        cmd.current_dir(self.dir.path())
            .args(args)
            .arg("-f")
            .arg(&self.blueprint);
        cmd
    }
}

/// A running poolctl: `poolctl ARGS -f blueprint.toml` in the background, its output
/// captured, for tests that signal it or run another beside it.
pub fn spawn_poolctl(ws: &Workspace, args: &[&str]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("poolctl"))
        .current_dir(ws.dir.path())
        .args(args)
        .arg("-f")
        .arg(ws.path())
        .env_remove("POOLCTL_GKE_ENDPOINT")
        .env_remove("POOLCTL_LOCK_HOLDER")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("poolctl starts")
}

/// Waits for a spawned poolctl: its exit code, stdout and stderr.
pub fn finish(mut child: std::process::Child) -> (Option<i32>, String, String) {
    use std::io::Read;
    let status = child.wait().expect("poolctl ends");
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    (status.code(), out, err)
}

pub fn poolctl() -> Command {
    let mut cmd = Command::cargo_bin("poolctl").expect("poolctl binary");
    cmd.env_remove("POOLCTL_GKE_ENDPOINT")
        .env_remove("POOLCTL_AKS_ENDPOINT")
        .env_remove("POOLCTL_EKS_ENDPOINT")
        .env_remove("POOLCTL_LOCK_HOLDER")
        // The EKS tests run on loopback endpoints: no AWS account, no metadata server.
        .env("POOLCTL_EKS_AUTH", "none")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env("POOLCTL_EMULATOR_OPERATION_POLLS", "2")
        .timeout(Duration::from_secs(120));
    cmd
}

/// A workspace whose blueprint (`pools` on the emulator's test cluster) is applied.
pub fn applied_workspace(emu: &Emu, pools: &str) -> Workspace {
    let ws = Workspace::new(&gke_blueprint(&emu.endpoint(), pools));
    ws.apply_ok();
    ws
}

/// A folder of GKE blueprints, one per cluster name, each with the analytics pools.
pub fn gke_fleet_dir(emu: &Emu, clusters: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in clusters {
        let text = gke_blueprint(&emu.endpoint(), ANALYTICS_POOLS)
            .replace("name = \"analytics\"", &format!("name = \"{name}\""));
        std::fs::write(dir.path().join(format!("{name}.toml")), text).expect("write");
    }
    dir
}

/// A GKE blueprint against `endpoint` with the given pool tables appended.
pub fn gke_blueprint(endpoint: &str, pools: &str) -> String {
    format!(
        r#"[cluster]
provider = "gke"
name = "analytics"
project = "acme"
location = "europe-west1"
endpoint = "{endpoint}"

{pools}"#
    )
}

/// The four pools of an analytics platform, as in the quickstart.
pub const ANALYTICS_POOLS: &str = r#"[pools.core]
class = "core"
machine_type = "e2-standard-4"
size = 2
zones = ["europe-west1-b", "europe-west1-c"]

[pools.highmem]
class = "workload"
machine_type = "n2-highmem-16"
autoscale = { min = 0, max = 10 }
labels = { "high-memory" = "true" }
taints = ["high-memory=true:NoExecute"]

[pools.gpu]
class = "gpu"
machine_type = "g2-standard-8"
gpu = { type = "nvidia-l4", count = 1 }
autoscale = { min = 0, max = 4 }

[pools.batch]
class = "spot"
machine_type = "n2-standard-8"
autoscale = { min = 0, max = 20 }
"#;

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
pub mod aks;
pub mod contract;
pub mod eks;
pub mod faults;
pub mod lock;

//! EKS helpers for the CLI tests: blueprints against the emulator's EKS surface, and the
//! node groups read and changed "by hand" through the EKS REST API, as the AWS CLI would.

use super::Emu;
use poolctl_emulator::RecordedRequest;
use serde_json::Value;
use std::time::Duration;

pub const REGION: &str = "eu-west-1";
pub const CLUSTER: &str = "mlrun-prod";

/// The `Authorization` header of a request signed for `REGION` (the emulator reads the
/// region from the credential scope and checks no signature).
fn authorization() -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261130/{REGION}/eks/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0"
    )
}

/// An EKS blueprint against `endpoint` with the given tables appended.
pub fn eks_blueprint(endpoint: &str, rest: &str) -> String {
    format!(
        r#"[cluster]
provider = "eks"
name = "{CLUSTER}"
region = "{REGION}"
endpoint = "{endpoint}"

{rest}"#
    )
}

/// Everything of examples/eks-mlrun.toml after its `[cluster]` table: `[cluster.eks]`,
/// `[defaults]` and the pools.
pub fn mlrun_tables() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/eks-mlrun.toml");
    let text = std::fs::read_to_string(path).expect("the example exists");
    let start = text
        .find("# Every node group's subnets")
        .expect("the example has [cluster.eks]");
    text[start..].to_string()
}

impl Emu {
    fn eks(&self, method: reqwest::Method, path: &str) -> reqwest::blocking::RequestBuilder {
        reqwest::blocking::Client::new()
            .request(method, format!("{}{path}", self.endpoint()))
            .header("authorization", authorization())
    }

    /// The node group as DescribeNodegroup returns it; `None` when it does not exist.
    pub fn eks_nodegroup(&self, name: &str) -> Option<Value> {
        let answer = self
            .eks(
                reqwest::Method::GET,
                &format!("/clusters/{CLUSTER}/node-groups/{name}"),
            )
            .send()
            .expect("emulator answers");
        if answer.status() == reqwest::StatusCode::NOT_FOUND {
            return None;
        }
        assert!(answer.status().is_success(), "{:?}", answer.text());
        let body: Value = answer.json().expect("a node group");
        Some(body["nodegroup"].clone())
    }

    /// The names of every node group of the test cluster, through every page.
    pub fn eks_nodegroups(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!("/clusters/{CLUSTER}/node-groups");
            if let Some(token) = &token {
                path.push_str(&format!("?nextToken={token}"));
            }
            let page: Value = self
                .eks(reqwest::Method::GET, &path)
                .send()
                .and_then(|r| r.json())
                .expect("a page of node groups");
            for name in page["nodegroups"].as_array().cloned().unwrap_or_default() {
                names.push(name.as_str().unwrap_or_default().to_string());
            }
            match page["nextToken"].as_str() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return names,
            }
        }
    }

    /// Changes a node group outside poolctl, as `aws eks update-nodegroup-config` would,
    /// and waits until it is ACTIVE again.
    pub fn eks_update_config(&self, name: &str, body: Value) {
        let answer = self
            .eks(
                reqwest::Method::POST,
                &format!("/clusters/{CLUSTER}/node-groups/{name}/update-config"),
            )
            .json(&body)
            .send()
            .expect("emulator answers");
        assert!(answer.status().is_success(), "{:?}", answer.text());
        self.eks_wait_active(name);
    }

    /// Polls the node group until it is ACTIVE (or another settled state).
    pub fn eks_wait_active(&self, name: &str) {
        for _ in 0..500 {
            match self.eks_nodegroup(name) {
                Some(group) if group["status"] == "ACTIVE" => return,
                Some(group)
                    if matches!(
                        group["status"].as_str(),
                        Some("CREATE_FAILED" | "DEGRADED" | "DELETE_FAILED")
                    ) =>
                {
                    return
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        panic!("node group {name} did not become ACTIVE");
    }

    /// The requests of one EKS call on one node group, in order: `suffix` is what follows
    /// `/node-groups/{name}` (`""`, `"/update-config"`), matched with `method`.
    pub fn eks_calls(&self, method: &str, name: &str, suffix: &str) -> Vec<RecordedRequest> {
        let path = format!("/clusters/{CLUSTER}/node-groups/{name}{suffix}");
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    /// Every request to the EKS API (not the emulator's control endpoints).
    pub fn eks_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/clusters/") || r.path.starts_with("/tags/"))
            .collect()
    }
}

//! AKS helpers for the CLI tests: blueprints against the emulator's ARM surface, and
//! changes made "by hand" through ARM as `az` would make them (GET, modify, PUT, wait).

use super::Emu;
use serde_json::Value;
use std::time::Duration;

pub const SUBSCRIPTION: &str = "0000-aaaa";
pub const RESOURCE_GROUP: &str = "ml-platform";
pub const CLUSTER: &str = "kubeflow";
pub const API_VERSION: &str = "2026-08-01";

/// The managed cluster's path under the ARM endpoint.
pub fn cluster_path() -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/{CLUSTER}"
    )
}

/// An AKS blueprint against `endpoint` with the given pool tables appended.
pub fn aks_blueprint(endpoint: &str, pools: &str) -> String {
    format!(
        r#"[cluster]
provider = "aks"
name = "{CLUSTER}"
subscription = "{SUBSCRIPTION}"
resource_group = "{RESOURCE_GROUP}"
endpoint = "{endpoint}"

{pools}"#
    )
}

/// The pools of examples/aks-kubeflow-spark.toml: everything after its `[cluster]` table.
pub fn kubeflow_spark_pools() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-kubeflow-spark.toml");
    let text = std::fs::read_to_string(path).expect("the example exists");
    let start = text.find("[defaults]").expect("the example has [defaults]");
    text[start..].to_string()
}

impl Emu {
    fn arm(&self, method: reqwest::Method, url: &str) -> reqwest::blocking::RequestBuilder {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.endpoint())
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let url = if url.contains("api-version=") {
            url
        } else {
            format!("{url}{sep}api-version={API_VERSION}")
        };
        reqwest::blocking::Client::new().request(method, url)
    }

    /// The agent pool as ARM returns it; `None` when it does not exist.
    pub fn aks_pool(&self, pool: &str) -> Option<Value> {
        let answer = self
            .arm(
                reqwest::Method::GET,
                &format!("{}/agentPools/{pool}", cluster_path()),
            )
            .send()
            .expect("emulator answers");
        if answer.status() == reqwest::StatusCode::NOT_FOUND {
            return None;
        }
        assert!(answer.status().is_success(), "{:?}", answer.text());
        Some(answer.json().expect("an agent pool"))
    }

    /// Every agent pool of the test cluster, following nextLink.
    pub fn aks_pools(&self) -> Vec<Value> {
        let mut url = format!("{}/agentPools", cluster_path());
        let mut pools = Vec::new();
        loop {
            let page: Value = self
                .arm(reqwest::Method::GET, &url)
                .send()
                .and_then(|r| r.json())
                .expect("a page of agent pools");
            pools.extend(page["value"].as_array().cloned().unwrap_or_default());
            match page["nextLink"].as_str() {
                Some(next) if !next.is_empty() => url = next.to_string(),
                _ => return pools,
            }
        }
    }

    /// Changes a pool outside poolctl, as `az aks nodepool update` would: GET, `edit`, PUT
    /// of the writable properties, then waits for the operation.
    pub fn aks_edit(&self, pool: &str, edit: impl FnOnce(&mut Value)) {
        let mut current = self.aks_pool(pool).expect("the pool exists");
        let properties = current["properties"].as_object_mut().expect("properties");
        for read_only in [
            "provisioningState",
            "eTag",
            "currentOrchestratorVersion",
            "nodeImageVersion",
            "status",
        ] {
            properties.remove(read_only);
        }
        let mut body = serde_json::json!({ "properties": current["properties"].clone() });
        edit(&mut body["properties"]);
        let answer = self
            .arm(
                reqwest::Method::PUT,
                &format!("{}/agentPools/{pool}", cluster_path()),
            )
            .json(&body)
            .send()
            .expect("emulator answers");
        assert!(answer.status().is_success(), "{:?}", answer.text());
        let operation = answer
            .headers()
            .get("azure-asyncoperation")
            .and_then(|v| v.to_str().ok())
            .expect("an Azure-AsyncOperation header")
            .to_string();
        self.aks_wait(&operation);
    }

    /// Polls an operation-status URL until the operation ends.
    pub fn aks_wait(&self, operation: &str) {
        for _ in 0..500 {
            let status: Value = self
                .arm(reqwest::Method::GET, operation)
                .send()
                .and_then(|r| r.json())
                .expect("operation status");
            match status["status"].as_str() {
                Some("InProgress") | None => std::thread::sleep(Duration::from_millis(20)),
                Some(_) => return,
            }
        }
        panic!("operation {operation} did not finish");
    }

    /// The PUT requests for one pool, in order.
    pub fn aks_puts(&self, pool: &str) -> Vec<poolctl_emulator::RecordedRequest> {
        let suffix = format!("/agentPools/{pool}");
        self.requests()
            .into_iter()
            .filter(|r| r.method == "PUT" && r.path.ends_with(&suffix))
            .collect()
    }
}

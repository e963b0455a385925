//! Cluster-lock helpers for the tests, for each of the three clouds: the provider of the test
//! cluster on an emulator (through the library, as `poolctl apply` builds it), its blueprint,
//! and the cluster's tags or labels read and written "by hand" through the cloud's own API,
//! as another tool (Terraform, a console user) would.

use super::{aks, eks};
use poolctl_provider::{ClusterTarget, Provider};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// The three clouds, each with its test cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Gke,
    Aks,
    Eks,
}

pub const CLOUDS: [Cloud; 3] = [Cloud::Gke, Cloud::Aks, Cloud::Eks];

const GKE_CLUSTER: &str = "/v1/projects/acme/locations/europe-west1/clusters/analytics";
const ARM_TAGS_VERSION: &str = "2021-04-01";

/// The EKS provider reads these when it connects: no AWS account, no metadata server.
fn eks_environment() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var("POOLCTL_EKS_AUTH", "none");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
}

impl Cloud {
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Gke => "gke",
            Cloud::Aks => "aks",
            Cloud::Eks => "eks",
        }
    }

    /// The test cluster of this cloud on the emulator at `endpoint`.
    pub fn target(self, endpoint: &str) -> ClusterTarget {
        let (name, project, resource_group, location) = match self {
            Cloud::Gke => ("analytics", Some("acme"), None, Some("europe-west1")),
            Cloud::Aks => (
                aks::CLUSTER,
                Some(aks::SUBSCRIPTION),
                Some(aks::RESOURCE_GROUP),
                None,
            ),
            Cloud::Eks => (eks::CLUSTER, None, None, Some(eks::REGION)),
        };
        ClusterTarget {
            provider: self.name().to_string(),
            name: name.to_string(),
            project: project.map(str::to_string),
            resource_group: resource_group.map(str::to_string),
            location: location.map(str::to_string),
            endpoint: Some(endpoint.to_string()),
            compute_endpoint: None,
        }
    }

    /// A provider for the test cluster, as a separate poolctl run would have.
    pub async fn provider(self, endpoint: &str) -> Box<dyn Provider> {
        let target = self.target(endpoint);
        match self {
            Cloud::Gke => Box::new(poolctl_gke::GkeProvider::new(&target).expect("GKE provider")),
            Cloud::Aks => Box::new(poolctl_aks::AksProvider::new(&target).expect("AKS provider")),
            Cloud::Eks => {
                eks_environment();
                Box::new(
                    poolctl_eks::EksProvider::connect(&target)
                        .await
                        .expect("EKS provider"),
                )
            }
        }
    }

    /// A blueprint of the test cluster (no pools: the lock is the cluster's).
    pub fn blueprint(self, endpoint: &str) -> String {
        match self {
            Cloud::Gke => super::gke_blueprint(endpoint, ""),
            Cloud::Aks => aks::aks_blueprint(endpoint, ""),
            Cloud::Eks => eks::eks_blueprint(endpoint, ""),
        }
    }

    /// Every cluster-level tag (AKS, EKS) or resource label (GKE), read through the cloud's API.
    pub async fn cluster_tags(self, endpoint: &str) -> BTreeMap<String, String> {
        let http = reqwest::Client::new();
        let body: Value = match self {
            Cloud::Gke => {
                get(&http, &format!("{endpoint}{GKE_CLUSTER}")).await["resourceLabels"].clone()
            }
            Cloud::Aks => get(&http, &aks_tags_url(endpoint)).await["properties"]["tags"].clone(),
            Cloud::Eks => {
                let arn = eks_arn(&http, endpoint).await;
                eks_request(&http, reqwest::Method::GET, endpoint, &eks_tags_path(&arn))
                    .send()
                    .await
                    .expect("emulator answers")
                    .json::<Value>()
                    .await
                    .expect("ListTagsForResource answer")["tags"]
                    .clone()
            }
        };
        serde_json::from_value(body).unwrap_or_default()
    }

    /// Adds one tag or label to the cluster as another tool would, keeping the others: on GKE
    /// a read-modify-write guarded by the label fingerprint (again on a mismatch), on AKS a
    /// Tags API Merge, on EKS a TagResource.
    pub async fn tag_by_hand(self, endpoint: &str, key: &str, value: &str) {
        let http = reqwest::Client::new();
        match self {
            Cloud::Gke => {
                for _ in 0..100 {
                    let cluster = get(&http, &format!("{endpoint}{GKE_CLUSTER}")).await;
                    let mut labels = cluster["resourceLabels"].clone();
                    if labels.is_null() {
                        labels = json!({});
                    }
                    labels[key] = json!(value);
                    let answer = http
                        .post(format!("{endpoint}{GKE_CLUSTER}:setResourceLabels"))
                        .json(&json!({
                            "resourceLabels": labels,
                            "labelFingerprint": cluster["labelFingerprint"],
                        }))
                        .send()
                        .await
                        .expect("emulator answers");
                    let status = answer.status();
                    let body: Value = answer.json().await.expect("JSON");
                    if status.is_success() {
                        gke_wait(&http, endpoint, &body).await;
                        return;
                    }
                    let message = body["error"]["message"].as_str().unwrap_or_default();
                    assert!(message.contains("fingerprint"), "{body}");
                }
                panic!("the labels never stood still long enough to add {key}");
            }
            Cloud::Aks => {
                let answer = http
                    .patch(aks_tags_url(endpoint))
                    .json(&json!({"operation": "Merge", "properties": {"tags": {key: value}}}))
                    .send()
                    .await
                    .expect("emulator answers");
                assert!(answer.status().is_success(), "{:?}", answer.text().await);
            }
            Cloud::Eks => {
                let arn = eks_arn(&http, endpoint).await;
                let answer =
                    eks_request(&http, reqwest::Method::POST, endpoint, &eks_tags_path(&arn))
                        .json(&json!({"tags": {key: value}}))
                        .send()
                        .await
                        .expect("emulator answers");
                assert!(answer.status().is_success(), "{:?}", answer.text().await);
            }
        }
    }
}

async fn get(http: &reqwest::Client, url: &str) -> Value {
    let answer = http.get(url).send().await.expect("emulator answers");
    assert!(
        answer.status().is_success(),
        "GET {url}: {}",
        answer.status()
    );
    answer.json().await.expect("JSON")
}

/// Polls a GKE operation until it is DONE.
async fn gke_wait(http: &reqwest::Client, endpoint: &str, operation: &Value) {
    let name = operation["name"].as_str().expect("operation name");
    for _ in 0..200 {
        let now = get(
            http,
            &format!("{endpoint}/v1/projects/acme/locations/europe-west1/operations/{name}"),
        )
        .await;
        if now["status"] == "DONE" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("operation {name} did not finish");
}

fn aks_tags_url(endpoint: &str) -> String {
    format!(
        "{endpoint}{}/providers/Microsoft.Resources/tags/default?api-version={ARM_TAGS_VERSION}",
        aks::cluster_path()
    )
}

fn eks_request(
    http: &reqwest::Client,
    method: reqwest::Method,
    endpoint: &str,
    path: &str,
) -> reqwest::RequestBuilder {
    http.request(method, format!("{endpoint}{path}")).header(
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261130/{}/eks/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=0",
            eks::REGION
        ),
    )
}

async fn eks_arn(http: &reqwest::Client, endpoint: &str) -> String {
    let cluster: Value = eks_request(
        http,
        reqwest::Method::GET,
        endpoint,
        &format!("/clusters/{}", eks::CLUSTER),
    )
    .send()
    .await
    .expect("emulator answers")
    .json()
    .await
    .expect("DescribeCluster answer");
    cluster["cluster"]["arn"]
        .as_str()
        .expect("the cluster's ARN")
        .to_string()
}

fn eks_tags_path(arn: &str) -> String {
    format!("/tags/{}", arn.replace(':', "%3A").replace('/', "%2F"))
}

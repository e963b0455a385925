//! The fault plan through HTTP, on the three clouds at once: dropped connections (before and
//! after the request is handled), delays, the clouds' own conflict answers (injected and as
//! they arise), and operations that end in each cloud's failed state.
//! Each test starts its own emulator on 127.0.0.1 and talks to it with reqwest.

use std::time::{Duration, Instant};

use poolctl_emulator::{start_loopback, EmulatorConfig, Fault, FaultKind, RunningEmulator};
use serde_json::{json, Value};

const GKE_CLUSTER: &str = "/v1/projects/p/locations/europe-west1/clusters/c";
const GKE_OPERATIONS: &str = "/v1/projects/p/locations/europe-west1/operations";
const AKS_CLUSTER: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c";
const AKS_API: &str = "?api-version=2026-08-01";
const EKS_CLUSTER: &str = "/clusters/c";
/// What EKS clients sign with; the emulator reads the region from it.
const EKS_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-west-1/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cloud {
    Gke,
    Aks,
    Eks,
}

const CLOUDS: [Cloud; 3] = [Cloud::Gke, Cloud::Aks, Cloud::Eks];

impl Cloud {
    /// The request that creates pool `name`: method, path, body.
    fn create(self, name: &str) -> (&'static str, String, Value) {
        match self {
            Cloud::Gke => (
                "POST",
                format!("{GKE_CLUSTER}/nodePools"),
                json!({"nodePool": {"name": name, "initialNodeCount": 1}}),
            ),
            Cloud::Aks => (
                "PUT",
                format!("{AKS_CLUSTER}/agentPools/{name}{AKS_API}"),
                json!({"properties": {"count": 1, "vmSize": "Standard_D4s_v5"}}),
            ),
            Cloud::Eks => (
                "POST",
                format!("{EKS_CLUSTER}/node-groups"),
                json!({
                    "nodegroupName": name,
                    "subnets": ["subnet-0a1"],
                    "nodeRole": "arn:aws:iam::123456789012:role/nodes",
                    "scalingConfig": {"minSize": 1, "maxSize": 2, "desiredSize": 1},
                    "clientRequestToken": format!("token-{name}"),
                }),
            ),
        }
    }

    /// The path that reads pool `name`.
    fn pool(self, name: &str) -> String {
        match self {
            Cloud::Gke => format!("{GKE_CLUSTER}/nodePools/{name}"),
            Cloud::Aks => format!("{AKS_CLUSTER}/agentPools/{name}{AKS_API}"),
            Cloud::Eks => format!("{EKS_CLUSTER}/node-groups/{name}"),
        }
    }

    /// A substring of the create's path, for a fault to match.
    fn create_path(self, name: &str) -> String {
        match self {
            Cloud::Gke => format!("{GKE_CLUSTER}/nodePools"),
            Cloud::Aks => format!("/agentPools/{name}"),
            Cloud::Eks => format!("{EKS_CLUSTER}/node-groups"),
        }
    }
}

struct Harness {
    emulator: RunningEmulator,
    /// One client for the whole test: a connection the emulator drops must not break the next
    /// request.
    http: reqwest::Client,
}

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Harness {
    /// Clusters appear on first use; operations end after `polls` status polls.
    async fn start(polls: u32) -> Harness {
        let emulator = start_loopback(EmulatorConfig {
            operation_polls: Some(polls),
            auto_create_clusters: true,
            ..EmulatorConfig::default()
        })
        .await
        .expect("emulator starts");
        Harness {
            emulator,
            http: reqwest::Client::new(),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.emulator.endpoint())
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, url)
            .header("authorization", EKS_AUTH);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        self.send(method, path, body).await.expect("an answer")
    }

    async fn create(&self, cloud: Cloud, name: &str) -> Result<Answer, reqwest::Error> {
        let (method, path, body) = cloud.create(name);
        self.send(method, &path, Some(&body)).await
    }

    /// The pool as the cloud reads it; `None` when it does not exist.
    async fn pool(&self, cloud: Cloud, name: &str) -> Option<Value> {
        let answer = self.call("GET", &cloud.pool(name), None).await;
        match answer.status {
            404 => None,
            200 => Some(answer.body),
            other => panic!("{cloud:?} read of {name}: {other} {}", answer.body),
        }
    }

    /// Reads the pool until its operation is over (each read is a status poll).
    async fn settled(&self, cloud: Cloud, name: &str) -> Value {
        for _ in 0..20 {
            let pool = self.pool(cloud, name).await.expect("the pool exists");
            let state = match cloud {
                Cloud::Gke => pool["status"].clone(),
                Cloud::Aks => pool["properties"]["provisioningState"].clone(),
                Cloud::Eks => pool["nodegroup"]["status"].clone(),
            };
            let busy = [
                "PROVISIONING",
                "RECONCILING",
                "Creating",
                "Updating",
                "CREATING",
            ];
            if !busy.iter().any(|b| state == *b) {
                return pool;
            }
        }
        panic!("{cloud:?} pool {name} stays busy");
    }

    fn inject(&self, method: &str, path: String, times: u32, kind: FaultKind) {
        self.emulator.inject_fault(Fault {
            method: Some(method.to_string()),
            path_contains: Some(path),
            times,
            kind,
        });
    }

    /// The creates of pool `name` in the request log, with the status each was given.
    fn create_statuses(&self, cloud: Cloud, name: &str) -> Vec<u16> {
        let (method, path, _) = cloud.create(name);
        let path = path.split('?').next().unwrap_or_default().to_string();
        self.emulator
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .filter(|r| match cloud {
                Cloud::Gke => r
                    .body
                    .as_ref()
                    .is_some_and(|b| b["nodePool"]["name"] == name),
                Cloud::Aks => true,
                Cloud::Eks => r.body.as_ref().is_some_and(|b| b["nodegroupName"] == name),
            })
            .map(|r| r.status)
            .collect()
    }
}

/// The answer never came: reqwest saw the connection close, not an HTTP status.
fn assert_connection_error(cloud: Cloud, result: Result<Answer, reqwest::Error>) {
    let err = match result {
        Ok(answer) => panic!("{cloud:?}: an answer came: {answer:?}"),
        Err(err) => err,
    };
    assert!(err.status().is_none(), "{cloud:?}: {err:?}");
    assert!(!err.is_timeout(), "{cloud:?}: {err:?}");
    assert!(
        err.is_request() && !err.is_connect(),
        "{cloud:?}: the request went out and its connection closed: {err:?}"
    );
}

#[tokio::test]
async fn a_connection_dropped_before_handling_is_a_connection_error_and_changes_nothing() {
    let h = Harness::start(1).await;
    for cloud in CLOUDS {
        h.inject(
            cloud.create(&format!("{cloud:?}")).0,
            cloud.create_path("lost"),
            1,
            FaultKind::Drop {
                after_handling: false,
            },
        );
        assert_connection_error(cloud, h.create(cloud, "lost").await);
        assert!(h.pool(cloud, "lost").await.is_none(), "{cloud:?}");
        // Nothing was handled or answered: the log says 0.
        assert_eq!(h.create_statuses(cloud, "lost"), [0], "{cloud:?}");
        // The fault is used up and the same client goes on over a new connection.
        let again = h.create(cloud, "lost").await.expect("an answer");
        assert!(matches!(again.status, 200 | 201), "{cloud:?}: {again:?}");
        h.settled(cloud, "lost").await;
    }
}

#[tokio::test]
async fn a_connection_dropped_after_handling_is_a_connection_error_after_the_change() {
    let h = Harness::start(1).await;
    for cloud in CLOUDS {
        h.inject(
            cloud.create("x").0,
            cloud.create_path("done"),
            1,
            FaultKind::Drop {
                after_handling: true,
            },
        );
        assert_connection_error(cloud, h.create(cloud, "done").await);
        // The create took effect all the same, and the log keeps the answer never sent.
        h.settled(cloud, "done").await;
        let statuses = h.create_statuses(cloud, "done");
        assert!(
            matches!(statuses[..], [200] | [201]),
            "{cloud:?}: {statuses:?}"
        );
        let request = h
            .emulator
            .requests()
            .into_iter()
            .find(|r| r.status != 0 && r.path.contains(&cloud.create_path("done")))
            .expect("the create is in the log");
        assert!(request.response.is_some(), "{cloud:?}: {request:?}");
        // A second create is the cloud's "it exists" (EKS: the same token is the same create).
        let again = h.create(cloud, "done").await.expect("an answer");
        match cloud {
            Cloud::Gke => assert_eq!(again.status, 409, "{again:?}"),
            Cloud::Aks => assert_eq!(again.status, 200, "{again:?}"),
            Cloud::Eks => assert_eq!(again.status, 200, "{again:?}"),
        }
    }
}

#[tokio::test]
async fn drops_are_set_through_the_control_api_in_their_json_form() {
    let h = Harness::start(0).await;
    let set = h
        .call(
            "POST",
            "/_emulator/faults",
            Some(&json!({
                "method": "GET",
                "pathContains": "/clusters/c/node-groups",
                "times": 2,
                "kind": "drop",
                "afterHandling": true
            })),
        )
        .await;
    assert_eq!(set.status, 201, "{:?}", set.body);
    assert_eq!(set.body["kind"], "drop");
    assert_eq!(set.body["afterHandling"], true);
    let before = h
        .call(
            "POST",
            "/_emulator/faults",
            Some(&json!({"pathContains": "/operations/", "kind": "drop"})),
        )
        .await;
    assert_eq!(before.body["afterHandling"], false);
    assert_eq!(before.body["times"], 1);
    let listed = h.call("GET", "/_emulator/faults", None).await;
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(2),
        "{:?}",
        listed.body
    );

    let path = format!("{EKS_CLUSTER}/node-groups");
    for _ in 0..2 {
        assert_connection_error(Cloud::Eks, h.send("GET", &path, None).await);
    }
    assert_eq!(h.call("GET", &path, None).await.status, 200);
    let listed = h.call("GET", "/_emulator/faults", None).await;
    assert_eq!(listed.body[0]["pathContains"], "/operations/");
    h.call("DELETE", "/_emulator/faults", None).await;
    assert_eq!(
        h.call("GET", "/_emulator/faults", None).await.body,
        json!([])
    );
}

#[tokio::test]
async fn a_delay_holds_the_answer_and_then_handles_the_request() {
    let h = Harness::start(0).await;
    for cloud in CLOUDS {
        h.inject(
            cloud.create("x").0,
            cloud.create_path("slow"),
            1,
            FaultKind::Delay { millis: 300 },
        );
        let started = Instant::now();
        let answer = h.create(cloud, "slow").await.expect("an answer");
        assert!(started.elapsed() >= Duration::from_millis(300), "{cloud:?}");
        assert!(matches!(answer.status, 200 | 201), "{cloud:?}: {answer:?}");
        assert!(h.pool(cloud, "slow").await.is_some(), "{cloud:?}");
    }
}

#[tokio::test]
async fn each_clouds_conflict_answer_is_injected_in_its_own_words() {
    let h = Harness::start(0).await;
    let conflict = |status| FaultKind::Http {
        status,
        grpc_status: String::new(),
        code: None,
        message: String::new(),
        retry_after_seconds: None,
    };
    // GKE: 400 FAILED_PRECONDITION while an incompatible operation runs.
    h.inject(
        "POST",
        format!("{GKE_CLUSTER}/nodePools"),
        1,
        FaultKind::Http {
            status: 400,
            grpc_status: "FAILED_PRECONDITION".into(),
            code: None,
            message: String::new(),
            retry_after_seconds: None,
        },
    );
    let gke = h.create(Cloud::Gke, "a").await.expect("an answer");
    assert_eq!(gke.status, 400);
    assert_eq!(gke.body["error"]["status"], "FAILED_PRECONDITION");
    let message = gke.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("incompatible operation"), "{message}");
    assert!(message.contains("Please wait and try again"), "{message}");

    // AKS: 409 OperationNotAllowed, naming the pool.
    h.inject("PUT", "/agentPools/a".into(), 1, conflict(409));
    let aks = h.create(Cloud::Aks, "a").await.expect("an answer");
    assert_eq!(aks.status, 409);
    assert_eq!(aks.body["error"]["code"], "OperationNotAllowed");
    let message = aks.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Another operation (a - Updating) is in progress"),
        "{message}"
    );

    // EKS: 409 ResourceInUseException, in AWS's shape.
    h.inject(
        "POST",
        format!("{EKS_CLUSTER}/node-groups"),
        1,
        conflict(409),
    );
    let eks = h.create(Cloud::Eks, "a").await.expect("an answer");
    assert_eq!(eks.status, 409);
    assert_eq!(
        eks.header("x-amzn-errortype"),
        Some("ResourceInUseException")
    );
    assert_eq!(eks.body["clusterName"], "c");
    assert!(eks.body["message"].is_string(), "{:?}", eks.body);
    // On a node group's own path, in the words of its answer while the group is updating.
    let path = format!("{EKS_CLUSTER}/node-groups/a/update-config");
    h.inject("POST", path.clone(), 1, conflict(409));
    let busy = h
        .call(
            "POST",
            &path,
            Some(&json!({"scalingConfig": {"maxSize": 3}})),
        )
        .await;
    assert_eq!(busy.status, 409);
    assert_eq!(busy.body["nodegroupName"], "a");
    let message = busy.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("is currently UPDATING"), "{message}");

    // EKS throttling and unavailability in its shape too.
    for (status, code) in [
        (429, "ThrottlingException"),
        (503, "ServiceUnavailableException"),
    ] {
        h.inject(
            "GET",
            format!("{EKS_CLUSTER}/node-groups"),
            1,
            conflict(status),
        );
        let answer = h
            .call("GET", &format!("{EKS_CLUSTER}/node-groups"), None)
            .await;
        assert_eq!(answer.status, status);
        assert_eq!(answer.header("x-amzn-errortype"), Some(code));
        assert!(answer.body["message"].is_string(), "{:?}", answer.body);
    }
}

#[tokio::test]
async fn each_clouds_conflict_answer_also_comes_by_itself() {
    // Operations run until polled: the one started first is still running.
    let h = Harness::start(5).await;
    // GKE: a second operation on a pool that is being created.
    h.create(Cloud::Gke, "a").await.expect("an answer");
    let busy = h
        .call(
            "POST",
            &format!("{GKE_CLUSTER}/nodePools/a:setSize"),
            Some(&json!({"nodeCount": 2})),
        )
        .await;
    assert_eq!(busy.status, 400, "{:?}", busy.body);
    assert_eq!(busy.body["error"]["status"], "FAILED_PRECONDITION");
    let message = busy.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Please wait and try again"), "{message}");

    // AKS: one agent-pool operation per cluster.
    h.create(Cloud::Aks, "a").await.expect("an answer");
    let busy = h.create(Cloud::Aks, "b").await.expect("an answer");
    assert_eq!(busy.status, 409, "{:?}", busy.body);
    assert_eq!(busy.body["error"]["code"], "OperationNotAllowed");

    // EKS: one update at a time per node group.
    h.create(Cloud::Eks, "a").await.expect("an answer");
    h.settled(Cloud::Eks, "a").await;
    let path = format!("{EKS_CLUSTER}/node-groups/a/update-config");
    let update = |desired: i64| json!({"scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": desired}});
    let first = h.call("POST", &path, Some(&update(2))).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let second = h.call("POST", &path, Some(&update(3))).await;
    assert_eq!(second.status, 409, "{:?}", second.body);
    assert_eq!(
        second.header("x-amzn-errortype"),
        Some("ResourceInUseException")
    );
    assert_eq!(second.body["nodegroupName"], "a");
}

#[tokio::test]
async fn operations_end_in_each_clouds_failed_state_with_the_faults_message() {
    let h = Harness::start(1).await;
    for cloud in CLOUDS {
        h.inject(
            cloud.create("x").0,
            cloud.create_path("broken"),
            1,
            FaultKind::FailOperation {
                message: format!("{cloud:?} could not place the nodes"),
            },
        );
        let created = h.create(cloud, "broken").await.expect("an answer");
        assert!(
            matches!(created.status, 200 | 201),
            "{cloud:?}: {created:?}"
        );
        let pool = h.settled(cloud, "broken").await;
        let wanted = format!("{cloud:?} could not place the nodes");
        match cloud {
            Cloud::Gke => {
                assert_eq!(pool["status"], "ERROR", "{pool}");
                assert_eq!(pool["statusMessage"], wanted.as_str());
                let operation = created.body["name"].as_str().expect("an operation");
                let done = h
                    .call("GET", &format!("{GKE_OPERATIONS}/{operation}"), None)
                    .await;
                assert_eq!(done.body["status"], "DONE");
                assert_eq!(done.body["error"]["message"], wanted.as_str());
            }
            Cloud::Aks => {
                assert_eq!(pool["properties"]["provisioningState"], "Failed");
                let error = &pool["properties"]["status"]["provisioningError"];
                assert_eq!(error["message"], wanted.as_str());
                assert!(error["code"].is_string(), "{pool}");
            }
            Cloud::Eks => {
                let group = &pool["nodegroup"];
                assert_eq!(group["status"], "CREATE_FAILED");
                assert_eq!(group["health"]["issues"][0]["message"], wanted.as_str());
            }
        }
    }
}

#[tokio::test]
async fn a_fault_is_aimed_at_one_pools_create_by_the_text_of_its_body() {
    let h = Harness::start(0).await;
    // GKE and EKS name the new pool in the body only.
    for (cloud, name_field) in [(Cloud::Gke, "name"), (Cloud::Eks, "nodegroupName")] {
        let set = h
            .call(
                "POST",
                "/_emulator/faults",
                Some(&json!({
                    "method": "POST",
                    "pathContains": cloud.create_path("gpu"),
                    "bodyContains": format!("\"{name_field}\":\"gpu\""),
                    "kind": "http",
                    "status": 429,
                    "retryAfterSeconds": 1
                })),
            )
            .await;
        assert_eq!(set.status, 201, "{:?}", set.body);
        assert_eq!(
            set.body["bodyContains"],
            format!("\"{name_field}\":\"gpu\"")
        );
        let core = h.create(cloud, "core").await.expect("an answer");
        assert!(matches!(core.status, 200 | 201), "{cloud:?}: {core:?}");
        let gpu = h.create(cloud, "gpu").await.expect("an answer");
        assert_eq!(gpu.status, 429, "{cloud:?}: {gpu:?}");
        assert_eq!(gpu.header("retry-after"), Some("1"), "{cloud:?}");
        let again = h.create(cloud, "gpu").await.expect("an answer");
        assert!(matches!(again.status, 200 | 201), "{cloud:?}: {again:?}");
    }
    assert_eq!(
        h.call("GET", "/_emulator/faults", None).await.body,
        json!([])
    );
}

//! The EKS provider against a scripted loopback endpoint: each test answers the EKS REST-JSON
//! calls (shapes written by hand from the botocore model of EKS 2017-11-01) in the order a
//! scenario needs, and checks what the provider sent and what it concluded: what it
//! retried, the caller's deadline, and the operation ids reported to the caller.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use poolctl_eks::EksProvider;
use poolctl_provider::{
    ClusterTarget, Effect, ExtraValue, Field, NoProgress, PoolSpec, PoolUpdate, Progress, Provider,
    ProviderError, Scaling, Taint,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const CLUSTER: &str = "prod";

/// One request as the endpoint saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    body: Value,
    authorization: Option<String>,
}

impl Seen {
    fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

/// An answer: status, `x-amzn-ErrorType` (for errors), body.
struct Answer {
    status: u16,
    error_type: Option<&'static str>,
    body: String,
}

fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        error_type: None,
        body: body.to_string(),
    }
}

fn error(status: u16, code: &'static str, message: &str) -> Answer {
    Answer {
        status,
        error_type: Some(code),
        body: json!({ "message": message }).to_string(),
    }
}

type Script = Box<dyn FnMut(&Seen) -> Answer + Send>;

struct Endpoint {
    script: Mutex<Script>,
    seen: Mutex<Vec<Seen>>,
}

async fn answer(
    State(endpoint): State<Arc<Endpoint>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.to_string(),
        path: percent_decode(uri.path()),
        query: uri.query().unwrap_or_default().to_string(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let answer = {
        let mut script = endpoint.script.lock().unwrap_or_else(|e| e.into_inner());
        (script)(&seen)
    };
    endpoint
        .seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(seen);
    let mut response = (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        answer.body,
    )
        .into_response();
    let content_type = if answer.status == 404 && answer.error_type.is_none() {
        "text/plain"
    } else {
        "application/json"
    };
    response
        .headers_mut()
        .insert("content-type", content_type.parse().expect("header value"));
    if let Some(code) = answer.error_type {
        response
            .headers_mut()
            .insert("x-amzn-errortype", code.parse().expect("header value"));
    }
    response
}

fn percent_decode(path: &str) -> String {
    path.replace("%3A", ":").replace("%2F", "/")
}

struct Scripted {
    endpoint: Arc<Endpoint>,
    url: String,
}

impl Scripted {
    async fn start(script: impl FnMut(&Seen) -> Answer + Send + 'static) -> Self {
        let endpoint = Arc::new(Endpoint {
            script: Mutex::new(Box::new(script)),
            seen: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(endpoint.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Scripted { endpoint, url }
    }

    fn seen(&self) -> Vec<Seen> {
        self.endpoint
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn provider(&self) -> EksProvider {
        EksProvider::connect(&target(&self.url))
            .await
            .expect("connect")
    }
}

fn target(url: &str) -> ClusterTarget {
    ClusterTarget {
        provider: "eks".into(),
        name: CLUSTER.into(),
        project: None,
        resource_group: None,
        location: Some("eu-west-1".into()),
        endpoint: Some(url.into()),
        compute_endpoint: None,
    }
}

fn group_path(name: &str) -> String {
    format!("/clusters/{CLUSTER}/node-groups/{name}")
}

/// A node group as DescribeNodegroup returns it.
fn nodegroup(name: &str, status: &str, labels: Value, taints: Value, sizes: [i32; 3]) -> Value {
    json!({
        "nodegroupName": name,
        "nodegroupArn": format!("arn:aws:eks:eu-west-1:123456789012:nodegroup/{CLUSTER}/{name}/0c1d"),
        "clusterName": CLUSTER,
        "version": "1.31",
        "releaseVersion": "1.31.0-20250101",
        "createdAt": 1.7e9,
        "modifiedAt": 1.7e9,
        "status": status,
        "capacityType": "ON_DEMAND",
        "scalingConfig": { "minSize": sizes[0], "maxSize": sizes[1], "desiredSize": sizes[2] },
        "instanceTypes": ["m6i.large"],
        "subnets": ["subnet-1"],
        "amiType": "AL2023_x86_64_STANDARD",
        "nodeRole": "arn:aws:iam::123456789012:role/nodes",
        "labels": labels,
        "taints": taints,
        "diskSize": 20,
        "health": { "issues": [] },
        "tags": { "poolctl-pool": name }
    })
}

fn described(group: Value) -> Answer {
    ok(json!({ "nodegroup": group }))
}

fn update(id: &str, status: &str, errors: Value) -> Value {
    json!({
        "id": id,
        "status": status,
        "type": "ConfigUpdate",
        "params": [],
        "createdAt": 1.7e9,
        "errors": errors
    })
}

fn not_found(what: &str) -> Answer {
    error(
        404,
        "ResourceNotFoundException",
        &format!("No node group found for name: {what}."),
    )
}

fn unexpected(seen: &Seen) -> Answer {
    error(
        400,
        "InvalidRequestException",
        &format!("the script has no answer for {} {}", seen.method, seen.path),
    )
}

#[tokio::test]
async fn every_page_of_node_groups_is_read() {
    let server = Scripted::start(|seen| {
        if seen.is("GET", &format!("/clusters/{CLUSTER}/node-groups")) {
            return if seen.query.contains("nextToken=page2") {
                ok(json!({ "nodegroups": ["c"] }))
            } else {
                ok(json!({ "nodegroups": ["b", "a"], "nextToken": "page2" }))
            };
        }
        for name in ["a", "b", "c"] {
            if seen.is("GET", &group_path(name)) {
                return described(nodegroup(name, "ACTIVE", json!({}), json!([]), [1, 3, 2]));
            }
        }
        unexpected(seen)
    })
    .await;
    let pools = server.provider().await.list_pools().await.expect("list");
    let names: Vec<&str> = pools.iter().map(|p| p.spec.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(pools[0].spec.scaling, Scaling::Autoscale { min: 1, max: 3 });
    assert!(server
        .seen()
        .iter()
        .any(|s| s.query.contains("nextToken=page2")));
}

#[tokio::test]
async fn an_update_waits_out_a_stale_describe_and_a_busy_node_group() {
    let mut config_posts = 0;
    let mut describes_after_update = 0;
    let mut updated = false;
    let server = Scripted::start(move |seen| {
        let old = || {
            nodegroup(
                "gpu",
                "ACTIVE",
                json!({ "team": "data", "old": "x" }),
                json!([{ "key": "dedicated", "value": "gpu", "effect": "NO_SCHEDULE" }]),
                [1, 5, 2],
            )
        };
        if seen.is("POST", &format!("{}/update-config", group_path("gpu"))) {
            config_posts += 1;
            if config_posts == 1 {
                return error(
                    409,
                    "ResourceInUseException",
                    "Nodegroup gpu is currently being updated",
                );
            }
            updated = true;
            return ok(json!({ "update": update("u-1", "InProgress", json!([])) }));
        }
        if seen.is("GET", &format!("/clusters/{CLUSTER}/updates/u-1")) {
            return ok(json!({ "update": update("u-1", "InProgress", json!([])) }));
        }
        if seen.is("GET", &group_path("gpu")) {
            if !updated {
                return described(old());
            }
            describes_after_update += 1;
            return match describes_after_update {
                // Real EKS may still show the old settings, ACTIVE, right after the update.
                1 => described(old()),
                2 => described(nodegroup(
                    "gpu",
                    "UPDATING",
                    json!({}),
                    json!([]),
                    [1, 5, 2],
                )),
                _ => described(nodegroup(
                    "gpu",
                    "ACTIVE",
                    json!({ "team": "ml", "tier": "gpu" }),
                    json!([{ "key": "dedicated", "value": "ml", "effect": "NO_SCHEDULE" }]),
                    [0, 8, 2],
                )),
            };
        }
        unexpected(seen)
    })
    .await;
    let provider = server.provider().await;
    provider
        .update_pool(
            "gpu",
            &[
                PoolUpdate::Labels(BTreeMap::from([
                    ("team".into(), "ml".into()),
                    ("tier".into(), "gpu".into()),
                ])),
                PoolUpdate::Taints(vec![Taint::new("dedicated", "ml", Effect::NoSchedule)]),
                PoolUpdate::Scaling(Scaling::Autoscale { min: 0, max: 8 }),
            ],
            &NoProgress,
        )
        .await
        .expect("update");
    let seen = server.seen();
    let posts: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path.ends_with("/update-config"))
        .collect();
    assert_eq!(posts.len(), 2, "ResourceInUseException is retried");
    let body = &posts[1].body;
    assert_eq!(
        body["labels"],
        json!({ "addOrUpdateLabels": { "team": "ml", "tier": "gpu" }, "removeLabels": ["old"] })
    );
    assert_eq!(
        body["taints"],
        json!({ "addOrUpdateTaints": [{ "key": "dedicated", "value": "ml", "effect": "NO_SCHEDULE" }] })
    );
    // desiredSize 2 is inside 0..8: the autoscaler's, not sent.
    assert_eq!(body["scalingConfig"], json!({ "minSize": 0, "maxSize": 8 }));
    let describes = seen
        .iter()
        .filter(|s| s.is("GET", &group_path("gpu")))
        .count();
    assert!(
        describes >= 4,
        "the stale and UPDATING describes were waited out: {describes}"
    );
    assert!(seen
        .iter()
        .any(|s| s.path.ends_with("/updates/u-1") && s.query.contains("nodegroupName=gpu")));
}

#[tokio::test]
async fn a_failed_update_reports_its_errors() {
    let server = Scripted::start(|seen| {
        if seen.is("POST", &format!("{}/update-config", group_path("gpu"))) {
            return ok(json!({ "update": update("u-9", "InProgress", json!([])) }));
        }
        if seen.is("GET", &format!("/clusters/{CLUSTER}/updates/u-9")) {
            return ok(json!({ "update": update("u-9", "Failed", json!([{
                "errorCode": "NodeCreationFailure",
                "errorMessage": "Instances failed to join the kubernetes cluster",
                "resourceIds": ["i-0abc"]
            }])) }));
        }
        if seen.is("GET", &group_path("gpu")) {
            return described(nodegroup(
                "gpu",
                "UPDATING",
                json!({}),
                json!([]),
                [1, 3, 1],
            ));
        }
        unexpected(seen)
    })
    .await;
    let result = server
        .provider()
        .await
        .update_pool(
            "gpu",
            &[PoolUpdate::Scaling(Scaling::Fixed { nodes: 4 })],
            &NoProgress,
        )
        .await;
    match result {
        Err(ProviderError::OperationFailed {
            operation, message, ..
        }) => {
            assert_eq!(operation, "u-9");
            assert!(
                message.contains(
                    "NodeCreationFailure: Instances failed to join the kubernetes cluster (i-0abc)"
                ),
                "{message}"
            );
        }
        other => panic!("expected the update's errors, got {other:?}"),
    }
    let post = server
        .seen()
        .into_iter()
        .find(|s| s.path.ends_with("/update-config"))
        .expect("update sent");
    assert_eq!(
        post.body["scalingConfig"],
        json!({ "minSize": 4, "maxSize": 4, "desiredSize": 4 })
    );
}

#[tokio::test]
async fn an_endpoint_without_describe_update_is_followed_by_the_node_group() {
    let mut updated = false;
    let server = Scripted::start(move |seen| {
        if seen.is("POST", &format!("{}/update-config", group_path("web"))) {
            updated = true;
            return ok(json!({ "update": update("u-2", "Successful", json!([])) }));
        }
        if seen
            .path
            .starts_with(&format!("/clusters/{CLUSTER}/updates/"))
        {
            // What moto answers: no route, no EKS error code.
            return Answer {
                status: 404,
                error_type: None,
                body: "<!doctype html><title>404 Not Found</title>".into(),
            };
        }
        if seen.is("GET", &group_path("web")) {
            let sizes = if updated { [3, 6, 3] } else { [1, 5, 1] };
            return described(nodegroup("web", "ACTIVE", json!({}), json!([]), sizes));
        }
        unexpected(seen)
    })
    .await;
    server
        .provider()
        .await
        .update_pool(
            "web",
            &[PoolUpdate::Scaling(Scaling::Autoscale { min: 3, max: 6 })],
            &NoProgress,
        )
        .await
        .expect("update without DescribeUpdate");
    let seen = server.seen();
    let post = seen
        .iter()
        .find(|s| s.path.ends_with("/update-config"))
        .expect("update sent");
    // desiredSize 1 is below the new floor: clamped up to it.
    assert_eq!(
        post.body["scalingConfig"],
        json!({ "minSize": 3, "maxSize": 6, "desiredSize": 3 })
    );
    let asked = seen.iter().filter(|s| s.path.contains("/updates/")).count();
    assert_eq!(asked, 1, "a missing DescribeUpdate is asked once");
}

#[tokio::test]
async fn a_failed_create_quotes_the_health_issues() {
    let mut describes = 0;
    let mut creates = 0;
    let server = Scripted::start(move |seen| {
        if seen.is("POST", &format!("/clusters/{CLUSTER}/node-groups")) {
            creates += 1;
            if creates == 1 {
                return error(429, "ThrottlingException", "Rate exceeded");
            }
            return described(nodegroup(
                "gpu",
                "CREATING",
                json!({}),
                json!([]),
                [0, 2, 0],
            ));
        }
        if seen.is("GET", &group_path("gpu")) {
            describes += 1;
            if describes < 3 {
                return described(nodegroup(
                    "gpu",
                    "CREATING",
                    json!({}),
                    json!([]),
                    [0, 2, 0],
                ));
            }
            let mut failed = nodegroup("gpu", "CREATE_FAILED", json!({}), json!([]), [0, 2, 0]);
            failed["health"] = json!({ "issues": [{
                "code": "AsgInstanceLaunchFailures",
                "message": "Could not launch On-Demand Instances. InsufficientInstanceCapacity",
                "resourceIds": ["eks-gpu-0c1d"]
            }] });
            return described(failed);
        }
        unexpected(seen)
    })
    .await;
    let spec = gpu_spec();
    let result = server
        .provider()
        .await
        .create_pool(&spec, &NoProgress)
        .await;
    match result {
        Err(ProviderError::OperationFailed { message, .. }) => assert!(
            message.contains(
                "CREATE_FAILED: AsgInstanceLaunchFailures: Could not launch On-Demand Instances. \
                 InsufficientInstanceCapacity (eks-gpu-0c1d)"
            ),
            "{message}"
        ),
        other => panic!("expected CREATE_FAILED, got {other:?}"),
    }
    let seen = server.seen();
    let creates: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.is("POST", &format!("/clusters/{CLUSTER}/node-groups")))
        .collect();
    assert_eq!(creates.len(), 2, "the throttled create is sent again");
    let tokens: Vec<&Value> = creates
        .iter()
        .map(|s| &s.body["clientRequestToken"])
        .collect();
    assert!(tokens[0].is_string(), "{:?}", creates[0].body);
    assert_eq!(tokens[0], tokens[1], "one create, one clientRequestToken");
    let body = &creates[1].body;
    assert_eq!(body["nodegroupName"], "gpu");
    assert_eq!(
        body["scalingConfig"],
        json!({ "minSize": 0, "maxSize": 2, "desiredSize": 0 })
    );
    assert_eq!(body["instanceTypes"], json!(["g5.xlarge"]));
    assert_eq!(body["capacityType"], "SPOT");
    assert_eq!(body["amiType"], "AL2023_x86_64_NVIDIA");
    assert_eq!(body["subnets"], json!(["subnet-1", "subnet-2"]));
    assert_eq!(body["nodeRole"], "arn:aws:iam::123456789012:role/nodes");
    assert_eq!(body["diskSize"], 100);
    assert_eq!(
        body["taints"],
        json!([{ "key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE" }])
    );
    assert_eq!(body["labels"], json!({ "accelerator": "a10g" }));
    assert_eq!(body["tags"]["poolctl-pool"], "gpu");
}

fn gpu_spec() -> PoolSpec {
    PoolSpec {
        name: "gpu".into(),
        machine_type: "g5.xlarge".into(),
        scaling: Scaling::Autoscale { min: 0, max: 2 },
        labels: BTreeMap::from([("accelerator".into(), "a10g".into())]),
        taints: vec![Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule)],
        spot: true,
        gpu: None,
        disk_gb: Some(100),
        zones: vec![],
        tags: BTreeMap::from([("poolctl-pool".into(), "gpu".into())]),
        extras: BTreeMap::from([
            (
                Field::Subnets,
                ExtraValue::List(vec!["subnet-1".into(), "subnet-2".into()]),
            ),
            (
                Field::NodeRole,
                ExtraValue::Text("arn:aws:iam::123456789012:role/nodes".into()),
            ),
            (
                Field::AmiType,
                ExtraValue::Text("AL2023_x86_64_NVIDIA".into()),
            ),
        ]),
    }
}

#[tokio::test]
async fn a_delete_waits_until_the_node_group_is_gone() {
    let mut describes = 0;
    let server = Scripted::start(move |seen| {
        if seen.is("DELETE", &group_path("old")) {
            return described(nodegroup(
                "old",
                "DELETING",
                json!({}),
                json!([]),
                [1, 1, 1],
            ));
        }
        if seen.is("DELETE", &group_path("gone")) {
            return not_found("gone");
        }
        if seen.is("GET", &group_path("old")) {
            describes += 1;
            return if describes < 3 {
                described(nodegroup(
                    "old",
                    "DELETING",
                    json!({}),
                    json!([]),
                    [1, 1, 1],
                ))
            } else {
                not_found("old")
            };
        }
        unexpected(seen)
    })
    .await;
    let provider = server.provider().await;
    provider
        .delete_pool("old", &NoProgress)
        .await
        .expect("delete");
    provider
        .delete_pool("gone", &NoProgress)
        .await
        .expect("a node group already gone is deleted");
    let describes = server
        .seen()
        .iter()
        .filter(|s| s.is("GET", &group_path("old")))
        .count();
    assert_eq!(describes, 3, "polled until ResourceNotFoundException");
}

#[tokio::test]
async fn a_missing_cluster_is_named_with_its_region() {
    let server = Scripted::start(|_| {
        error(
            404,
            "ResourceNotFoundException",
            "No cluster found for name: prod.",
        )
    })
    .await;
    let err = server
        .provider()
        .await
        .cluster()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("no EKS cluster prod in region eu-west-1"),
        "{err}"
    );
}

#[tokio::test]
async fn a_dead_endpoint_fails_within_seconds_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let url = format!("http://127.0.0.1:{port}");
    let provider = EksProvider::connect(&target(&url)).await.expect("connect");
    let started = Instant::now();
    let err = provider.list_pools().await.err();
    assert!(started.elapsed() < Duration::from_secs(10));
    match err {
        Some(ProviderError::Transport { endpoint, .. }) => {
            assert_eq!(endpoint, format!("127.0.0.1:{port}"))
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// Everything logged by this test binary, at every level of every crate (the SDK's own
/// included).
fn log() -> &'static Mutex<Vec<u8>> {
    static LOG: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LOG.get_or_init(|| {
        struct Sink;
        impl Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                log()
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| Sink)
            .try_init();
        Mutex::new(Vec::new())
    })
}

#[tokio::test]
async fn no_authorization_header_reaches_the_log() {
    log();
    let server = Scripted::start(|seen| {
        if seen.path.ends_with("/node-groups") {
            return ok(json!({ "nodegroups": ["a"] }));
        }
        if seen.is("GET", &group_path("a")) {
            return described(nodegroup("a", "ACTIVE", json!({}), json!([]), [1, 1, 1]));
        }
        unexpected(seen)
    })
    .await;
    server.provider().await.list_pools().await.expect("list");
    let seen = server.seen();
    let authorization = seen
        .iter()
        .find_map(|s| s.authorization.clone())
        .expect("requests are signed");
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential="));
    assert!(authorization.contains("/eu-west-1/eks/aws4_request"));
    let signature = authorization
        .rsplit("Signature=")
        .next()
        .expect("a signature")
        .to_string();
    let logged =
        String::from_utf8_lossy(&log().lock().unwrap_or_else(|e| e.into_inner())).to_string();
    assert!(logged.contains("ListNodegroups"), "the calls are logged");
    assert!(!logged.contains(&signature), "the signature was logged");
    assert!(
        !logged.contains(&authorization),
        "the Authorization header was logged"
    );
}

/// A caller that may give a deadline, and records the operations and statuses reported.
#[derive(Default)]
struct Caller {
    deadline: Option<Instant>,
    events: Mutex<Vec<String>>,
}

impl Caller {
    fn within(limit: Duration) -> Self {
        Caller {
            deadline: Some(Instant::now() + limit),
            ..Caller::default()
        }
    }

    fn push(&self, event: String) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }

    /// `start ID` and `end ID`, in order.
    fn operations(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|e| e.starts_with("start ") || e.starts_with("end "))
            .cloned()
            .collect()
    }
}

impl Progress for Caller {
    fn status(&self, message: &str) {
        self.push(format!("status {message}"));
    }

    fn operation(&self, id: &str) {
        self.push(format!("start {id}"));
    }

    fn operation_ended(&self, id: &str) {
        self.push(format!("end {id}"));
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

#[tokio::test]
async fn the_callers_deadline_ends_the_wait_naming_the_update_still_running() {
    let mut updated = false;
    let server = Scripted::start(move |seen| {
        if seen.is("POST", &format!("{}/update-config", group_path("gpu"))) {
            updated = true;
            return ok(json!({ "update": update("u-slow", "InProgress", json!([])) }));
        }
        if seen.is("GET", &format!("/clusters/{CLUSTER}/updates/u-slow")) {
            return ok(json!({ "update": update("u-slow", "InProgress", json!([])) }));
        }
        if seen.is("GET", &group_path("gpu")) {
            let status = if updated { "UPDATING" } else { "ACTIVE" };
            return described(nodegroup("gpu", status, json!({}), json!([]), [1, 3, 1]));
        }
        unexpected(seen)
    })
    .await;
    // The provider's own limit on loopback is 10 minutes: only the caller's ends this.
    let caller = Caller::within(Duration::from_millis(600));
    let started = Instant::now();
    let err = server
        .provider()
        .await
        .update_pool(
            "gpu",
            &[PoolUpdate::Scaling(Scaling::Fixed { nodes: 4 })],
            &caller,
        )
        .await
        .expect_err("the deadline passes first");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    match &err {
        ProviderError::OperationFailed { operation, .. } => assert_eq!(operation, "u-slow"),
        other => panic!("expected OperationFailed, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("may still be running in the cloud"), "{text}");
    assert_eq!(caller.operations(), ["start u-slow", "end u-slow"]);
    let post = server
        .seen()
        .into_iter()
        .find(|s| s.path.ends_with("/update-config"))
        .expect("update sent");
    assert!(
        post.body["clientRequestToken"].is_string(),
        "an update carries a token, so that a resend is the same update: {}",
        post.body
    );
}

#[tokio::test]
async fn creates_and_deletes_are_reported_by_their_call_and_group() {
    let mut describes = 0;
    let server = Scripted::start(move |seen| {
        if seen.is("POST", &format!("/clusters/{CLUSTER}/node-groups")) {
            return described(nodegroup(
                "gpu",
                "CREATING",
                json!({}),
                json!([]),
                [0, 2, 0],
            ));
        }
        if seen.is("DELETE", &group_path("gpu")) {
            return described(nodegroup(
                "gpu",
                "DELETING",
                json!({}),
                json!([]),
                [0, 2, 0],
            ));
        }
        if seen.is("GET", &group_path("gpu")) {
            describes += 1;
            return match describes {
                1 => described(nodegroup(
                    "gpu",
                    "CREATING",
                    json!({}),
                    json!([]),
                    [0, 2, 0],
                )),
                2 => described(nodegroup("gpu", "ACTIVE", json!({}), json!([]), [0, 2, 0])),
                _ => not_found("gpu"),
            };
        }
        unexpected(seen)
    })
    .await;
    let provider = server.provider().await;
    let caller = Caller::within(Duration::from_secs(30));
    provider
        .create_pool(&gpu_spec(), &caller)
        .await
        .expect("created");
    provider.delete_pool("gpu", &caller).await.expect("deleted");
    assert_eq!(
        caller.operations(),
        [
            "start CreateNodegroup gpu",
            "end CreateNodegroup gpu",
            "start DeleteNodegroup gpu",
            "end DeleteNodegroup gpu"
        ]
    );
}

#[tokio::test]
async fn busy_retries_stop_at_the_callers_deadline() {
    let server = Scripted::start(|seen| {
        if seen.is("DELETE", &group_path("gpu")) {
            return error(
                409,
                "ResourceInUseException",
                "Nodegroup gpu is currently being updated",
            );
        }
        unexpected(seen)
    })
    .await;
    let caller = Caller::within(Duration::from_millis(400));
    let started = Instant::now();
    let err = server
        .provider()
        .await
        .delete_pool("gpu", &caller)
        .await
        .expect_err("gives up");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        matches!(err, ProviderError::RetriesExhausted { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ResourceInUseException"), "{err}");
    assert!(caller
        .events
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|e| e.starts_with("status cloud busy, retrying in ")));
    assert!(caller.operations().is_empty(), "nothing was started");
}

/// An endpoint that reads each request and closes the connection without an answer for
/// the first `drops` connections, then answers every request with `body`.
async fn dropping(drops: usize, body: &'static str) -> (String, Arc<Mutex<usize>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let accepted = Arc::new(Mutex::new(0usize));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = {
                let mut count = counter.lock().unwrap_or_else(|e| e.into_inner());
                *count += 1;
                *count
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    // One request per read is enough for these small GETs.
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if n <= drops {
                        return;
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn a_read_whose_connection_keeps_dropping_is_sent_again() {
    // More drops than the SDK's own three attempts: poolctl's retry rides them out.
    let (url, accepted) = dropping(4, r#"{"nodegroups":[]}"#).await;
    let provider = EksProvider::connect(&target(&url)).await.expect("connect");
    let pools = provider.list_pools().await.expect("listed after the drops");
    assert!(pools.is_empty());
    assert!(
        *accepted.lock().unwrap_or_else(|e| e.into_inner()) >= 5,
        "every drop was followed by a new attempt"
    );
}

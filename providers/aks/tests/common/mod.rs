//! A scripted ARM endpoint on loopback: each test answers requests with a closure and
//! reads back what the provider sent.

#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use poolctl_aks::{AksOptions, AksProvider, AuthMode};
use poolctl_provider::retry::{PollSchedule, RetryPolicy};
use poolctl_provider::{ClusterTarget, Progress};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SUB: &str = "00000000-0000-0000-0000-000000000000";
pub const CLUSTER_PATH: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1";

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
    /// The body as text (a token request is a form, not JSON).
    pub raw: String,
    pub at: Instant,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn is(&self, method: &str, path_suffix: &str) -> bool {
        self.method == method && self.path.ends_with(path_suffix)
    }
}

/// An answer: status, headers, JSON body.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Resp {
    pub fn json(status: u16, body: Value) -> Self {
        Resp {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub fn empty(status: u16) -> Self {
        Resp {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn cloud_error(status: u16, code: &str, message: &str) -> Self {
        Resp::json(status, json!({"error": {"code": code, "message": message}}))
    }
}

type Handler = Box<dyn FnMut(&Req) -> Resp + Send>;

#[derive(Clone)]
struct Shared {
    handler: Arc<Mutex<Handler>>,
    log: Arc<Mutex<Vec<Req>>>,
}

pub struct Server {
    pub url: String,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    /// Every request so far.
    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().expect("log").clone()
    }

    pub fn requests_to(&self, method: &str, path_suffix: &str) -> Vec<Req> {
        self.requests()
            .into_iter()
            .filter(|r| r.is(method, path_suffix))
            .collect()
    }
}

async fn answer(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    shared.log.lock().expect("log").push(req.clone());
    let resp = (shared.handler.lock().expect("handler"))(&req);
    let mut out = match resp.body {
        Some(body) => (
            StatusCode::from_u16(resp.status).expect("status"),
            axum::Json(body),
        )
            .into_response(),
        None => StatusCode::from_u16(resp.status)
            .expect("status")
            .into_response(),
    };
    for (name, value) in resp.headers {
        out.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            value.parse().expect("header value"),
        );
    }
    out
}

/// Starts a server; `make` gets the server's base URL and returns the handler.
pub async fn serve<F>(make: impl FnOnce(String) -> F) -> Server
where
    F: FnMut(&Req) -> Resp + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let shared = Shared {
        handler: Arc::new(Mutex::new(Box::new(make(url.clone())))),
        log: Arc::new(Mutex::new(Vec::new())),
    };
    let log = shared.log.clone();
    let app = Router::new().fallback(answer).with_state(shared);
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    Server { url, log }
}

/// Quick polls and retries, no credentials.
pub fn options() -> AksOptions {
    AksOptions {
        retry: RetryPolicy {
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            retry_after_cap: Duration::from_secs(2),
            budget: Duration::from_secs(5),
        },
        polling: PollSchedule {
            first: Duration::from_millis(10),
            min: Duration::from_millis(5),
            // Retry-After: 1 is honoured as given.
            max: Duration::from_secs(1),
        },
        operation_timeout: Duration::from_secs(10),
        auth: AuthMode::None,
        credential: None,
    }
}

pub fn target(endpoint: &str) -> ClusterTarget {
    ClusterTarget {
        provider: "aks".into(),
        name: "clustername1".into(),
        project: Some(SUB.into()),
        resource_group: Some("rg1".into()),
        location: Some("eastus".into()),
        endpoint: Some(endpoint.to_string()),
        compute_endpoint: None,
    }
}

pub fn provider(server: &Server) -> AksProvider {
    AksProvider::with_options(&target(&server.url), options()).expect("provider")
}

/// An agent pool as ARM answers it.
pub fn pool(name: &str, etag: &str, state: &str) -> Value {
    json!({
        "id": format!("{CLUSTER_PATH}/agentPools/{name}"),
        "name": name,
        "type": "Microsoft.ContainerService/managedClusters/agentPools",
        "properties": {
            "eTag": etag,
            "count": 3,
            "vmSize": "Standard_DS2_v2",
            "osDiskSizeGB": 128,
            "osDiskType": "Managed",
            "maxPods": 110,
            "osType": "Linux",
            "osSKU": "Ubuntu",
            "enableAutoScaling": false,
            "mode": "User",
            "orchestratorVersion": "1.33.2",
            "currentOrchestratorVersion": "1.33.2",
            "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202611.01.0",
            "provisioningState": state,
            "powerState": {"code": "Running"},
            "nodeLabels": {"team": "data"},
            "nodeTaints": ["batch=true:NoSchedule"],
            "tags": {"owner": "poolctl"},
            "type": "VirtualMachineScaleSets"
        }
    })
}

/// The same pool, a spot pool with what AKS adds to one.
pub fn spot_pool(name: &str, etag: &str) -> Value {
    let mut pool = pool(name, etag, "Succeeded");
    let p = &mut pool["properties"];
    p["scaleSetPriority"] = json!("Spot");
    p["scaleSetEvictionPolicy"] = json!("Delete");
    p["spotMaxPrice"] = json!(-1);
    p["nodeLabels"]["kubernetes.azure.com/scalesetpriority"] = json!("spot");
    p["nodeTaints"] = json!([
        "batch=true:NoSchedule",
        "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
    ]);
    pool
}

/// Collects what the provider reports while it waits, and gives it a deadline when
/// asked to.
#[derive(Default)]
pub struct Recorder {
    pub statuses: Mutex<Vec<String>>,
    /// `start ID` and `end ID`, in order.
    pub operations: Mutex<Vec<String>>,
    pub deadline: Option<Instant>,
}

impl Progress for Recorder {
    fn status(&self, message: &str) {
        self.statuses
            .lock()
            .expect("progress")
            .push(message.to_string());
    }

    fn operation(&self, id: &str) {
        self.operations
            .lock()
            .expect("progress")
            .push(format!("start {id}"));
    }

    fn operation_ended(&self, id: &str) {
        self.operations
            .lock()
            .expect("progress")
            .push(format!("end {id}"));
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

impl Recorder {
    pub fn within(limit: Duration) -> Self {
        Recorder {
            deadline: Some(Instant::now() + limit),
            ..Recorder::default()
        }
    }

    pub fn messages(&self) -> Vec<String> {
        self.statuses.lock().expect("progress").clone()
    }

    pub fn operations(&self) -> Vec<String> {
        self.operations.lock().expect("progress").clone()
    }
}

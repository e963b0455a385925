//! HTTP routing and wire parsing: maps GKE and Compute paths onto the GKE model, ARM paths
//! (`/subscriptions/...`) onto the AKS routes and EKS paths (`/clusters/...`, `/tags/...`) onto
//! the EKS routes, plus the control API. Every API request is recorded with its answer, checked
//! against the fault plan, and its body validated before a model sees it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::aks;
use crate::aks::model::{AksClusterSpec, ArmError, ClusterAt, Model as AksModel};
use crate::clock::Clock;
use crate::contract;
use crate::eks;
use crate::eks::model::{EksClusterSpec, EksError, Model as EksModel};
use crate::faults::{Fault, FaultPlan, InjectedError, PlannedFault, Request};
use crate::gke::model::{ClusterRef, ClusterSpec, GkeError, Model, Operation, OperationPace};
use crate::gke::wire;
use crate::persist::{Saved, StateFile};
use crate::reply::Reply;
use crate::{
    AksAutoscaleRequest, AutoscaleRequest, EksAutoscaleRequest, EksHealthRequest, RecordedRequest,
};

/// The three emulated clouds, behind one lock so that one request sees and saves one state.
struct Cloud {
    gke: Model,
    aks: AksModel,
    eks: EksModel,
}

/// What every handler shares: the models behind one lock, the fault plan, the request log.
pub(crate) struct Shared {
    cloud: Mutex<Cloud>,
    faults: Mutex<FaultPlan>,
    requests: Mutex<RequestLog>,
    state_file: Option<StateFile>,
    clock: Clock,
    latency: Duration,
    addr: SocketAddr,
    aks_page_size: usize,
    eks_page_size: usize,
}

#[derive(Default)]
struct RequestLog {
    next_id: u64,
    /// Keyed by arrival so a slow request's status lands on its own entry.
    entries: Vec<(u64, RecordedRequest)>,
}

/// A poisoned lock only means another request panicked; the data is still usable for a test fake.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(
        state: Saved,
        state_file: Option<StateFile>,
        config: &crate::EmulatorConfig,
        addr: SocketAddr,
    ) -> Self {
        let pace = match config.operation_polls {
            Some(polls) => OperationPace::Polls(polls),
            None => OperationPace::Millis(
                u64::try_from(config.operation_duration.as_millis()).unwrap_or(u64::MAX),
            ),
        };
        Shared {
            cloud: Mutex::new(Cloud {
                gke: Model::new(state.gke, pace, config.auto_create_clusters),
                aks: AksModel::new(state.aks, pace, config.auto_create_clusters),
                eks: EksModel::new(state.eks, pace, config.auto_create_clusters),
            }),
            faults: Mutex::new(FaultPlan::default()),
            requests: Mutex::new(RequestLog::default()),
            state_file,
            clock: Clock,
            latency: config.latency,
            addr,
            aks_page_size: config.aks_page_size,
            eks_page_size: config.eks_page_size,
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests)
            .entries
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.requests).entries.clear();
    }

    pub(crate) fn add_fault(&self, fault: Fault) {
        lock(&self.faults).add(PlannedFault {
            fault,
            body_contains: None,
        });
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn default_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn snapshot(&self, base: &str) -> Value {
        self.with_model(|model, _| wire::snapshot(base, model.state()))
    }

    pub(crate) fn autoscale(&self, request: &AutoscaleRequest) -> Result<(), GkeError> {
        let at = ClusterRef {
            project: request.project.clone(),
            location: request.location.clone(),
            cluster: request.cluster.clone(),
        };
        self.with_model(|model, now| model.autoscale(&at, &request.pool, request.nodes, now))
    }

    pub(crate) fn create_cluster(&self, spec: &ClusterSpec, base: &str) -> Result<Value, GkeError> {
        self.with_model(|model, now| {
            model
                .create_cluster(spec, now)
                .map(|c| wire::cluster(base, c))
        })
    }

    pub(crate) fn aks_snapshot(&self) -> Value {
        self.with_aks(|model, _| aks::wire::snapshot(model.state()))
    }

    pub(crate) fn aks_create_cluster(&self, spec: &AksClusterSpec) -> Result<Value, ArmError> {
        self.with_aks(|model, now| {
            model
                .create_cluster(spec, now)
                .map(aks::wire::managed_cluster)
        })
    }

    pub(crate) fn aks_autoscale(&self, request: &AksAutoscaleRequest) -> Result<(), ArmError> {
        let at = ClusterAt {
            subscription: request.subscription.clone(),
            resource_group: request.resource_group.clone(),
            cluster: request.cluster.clone(),
        };
        self.with_aks(|model, now| model.autoscale(&at, &request.pool, request.count, now))
    }

    pub(crate) fn aks_page_size(&self) -> usize {
        self.aks_page_size
    }

    pub(crate) fn eks_page_size(&self) -> usize {
        self.eks_page_size
    }

    pub(crate) fn eks_snapshot(&self) -> Value {
        self.with_eks(|model, _| eks::wire::snapshot(model.state()))
    }

    pub(crate) fn eks_create_cluster(&self, spec: &EksClusterSpec) -> Result<Value, EksError> {
        self.with_eks(|model, now| model.create_cluster(spec, now).map(eks::wire::cluster))
    }

    pub(crate) fn eks_autoscale(&self, request: &EksAutoscaleRequest) -> Result<(), EksError> {
        self.with_eks(|model, now| model.autoscale(request, now))
    }

    pub(crate) fn eks_set_health(&self, request: &EksHealthRequest) -> Result<(), EksError> {
        self.with_eks(|model, now| model.set_health(request, now))
    }

    /// Runs `start` with the failure the fault plan holds for this request, if any (see
    /// [`FaultPlan::with_failed_operation`]).
    pub(crate) fn with_failed_operation<T, E>(
        &self,
        request: Request,
        start: impl FnOnce(Option<String>) -> Result<T, E>,
    ) -> Result<T, E> {
        lock(&self.faults).with_failed_operation(request, start)
    }

    fn with_model<R>(&self, f: impl FnOnce(&mut Model, u64) -> R) -> R {
        self.with_cloud(|cloud, now| f(&mut cloud.gke, now))
    }

    pub(crate) fn with_aks<R>(&self, f: impl FnOnce(&mut AksModel, u64) -> R) -> R {
        self.with_cloud(|cloud, now| f(&mut cloud.aks, now))
    }

    pub(crate) fn with_eks<R>(&self, f: impl FnOnce(&mut EksModel, u64) -> R) -> R {
        self.with_cloud(|cloud, now| f(&mut cloud.eks, now))
    }

    /// Runs `f` on the models brought up to date, then persists whatever changed. With a
    /// state folder, the whole request holds its lock and starts from the state on disk, so
    /// that processes sharing the folder see and keep each other's changes.
    fn with_cloud<R>(&self, f: impl FnOnce(&mut Cloud, u64) -> R) -> R {
        let mut cloud = lock(&self.cloud);
        let _locked = match &self.state_file {
            Some(file) => match file.lock() {
                Ok(locked) => {
                    match file.load_if_changed() {
                        Ok(Some(state)) => {
                            cloud.gke.reload(state.gke);
                            cloud.aks.reload(state.aks);
                            cloud.eks.reload(state.eks);
                        }
                        Ok(None) => {}
                        Err(error) => {
                            tracing::error!(%error, "cannot read the GKE emulator's state")
                        }
                    }
                    Some(locked)
                }
                Err(error) => {
                    tracing::error!(%error, "cannot lock the GKE emulator's state");
                    None
                }
            },
            None => None,
        };
        let now = self.clock.now_millis();
        cloud.gke.settle(now);
        cloud.aks.settle(now);
        cloud.eks.settle(now);
        let result = f(&mut cloud, now);
        // Every flag is taken, so that each change is saved exactly once.
        let gke_dirty = cloud.gke.take_dirty();
        let aks_dirty = cloud.aks.take_dirty();
        let eks_dirty = cloud.eks.take_dirty();
        if gke_dirty || aks_dirty || eks_dirty {
            if let Some(file) = &self.state_file {
                if let Err(error) =
                    file.save(cloud.gke.state(), cloud.aks.state(), cloud.eks.state())
                {
                    tracing::error!(%error, "cannot save the GKE emulator's state");
                }
            }
        }
        result
    }

    fn record(&self, request: RecordedRequest) -> u64 {
        let mut log = lock(&self.requests);
        log.next_id += 1;
        let id = log.next_id;
        log.entries.push((id, request));
        id
    }

    fn set_answer(&self, id: u64, status: u16, response: Option<Value>) {
        let mut log = lock(&self.requests);
        if let Some((_, request)) = log.entries.iter_mut().rev().find(|(i, _)| *i == id) {
            request.status = status;
            request.response = response;
        }
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/_emulator/requests",
            get(list_requests).delete(clear_requests),
        )
        .route(
            "/_emulator/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_emulator/state", get(state))
        .route("/_emulator/gke/clusters", post(create_cluster))
        .route("/_emulator/gke/autoscaler", post(autoscale))
        .route("/_emulator/aks/clusters", post(aks_create_cluster))
        .route("/_emulator/aks/autoscaler", post(aks_autoscale))
        .route("/_emulator/aks/state", get(aks_state))
        .route("/_emulator/eks/clusters", post(eks_create_cluster))
        .route("/_emulator/eks/autoscaler", post(eks_autoscale))
        .route("/_emulator/eks/health", post(eks_health))
        .route("/_emulator/eks/state", get(eks_state))
        // GKE's custom methods (`pool:setSize`) do not fit axum's path syntax, so the API is
        // routed by hand from one fallback.
        .fallback(api)
        .with_state(shared)
}

/// GKE's answers: Google's error body for errors and injected faults.
impl Reply {
    fn error(err: &GkeError) -> Self {
        Reply::json(err.code, wire::error(err))
    }

    /// Without a message of its own, a FAILED_PRECONDITION reads like GKE's answer while another
    /// operation runs on the cluster (terraform-google-kubernetes-engine PR #2469).
    fn injected(fault: InjectedError) -> Self {
        let message = match (fault.custom_message, fault.grpc_status.as_str()) {
            (false, "FAILED_PRECONDITION") => "Cluster is running incompatible operation \
                 operation-0000000000000-injected. Please wait and try again once it is done."
                .to_string(),
            _ => fault.message,
        };
        let err = GkeError::new(fault.status, "", message);
        let mut body = wire::error(&err);
        body["error"]["status"] = json!(fault.grpc_status);
        Reply::json(fault.status, body).retry_after(fault.retry_after_seconds)
    }

    fn from_result(result: Result<Value, GkeError>) -> Self {
        match result {
            Ok(body) => Reply::ok(body),
            Err(err) => Reply::error(&err),
        }
    }
}

async fn api(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let header_text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let id = shared.record(RecordedRequest {
        method: method.to_string(),
        path: path.to_string(),
        query: uri.query().map(str::to_string),
        body: recorded_body(&body),
        status: 0,
        authorization: header_text(header::AUTHORIZATION),
        if_match: header_text(header::IF_MATCH),
        if_none_match: header_text(header::IF_NONE_MATCH),
        response: None,
    });
    let arm = aks::routes::is_arm_path(path);
    let aws = eks::routes::is_eks_path(path);
    let before = lock(&shared.faults).before_handling(Request {
        method: method.as_str(),
        path,
        body: &body,
    });
    let wait = before.delay + shared.latency;
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    if before.drop_before {
        // Nothing handled, nothing answered: the log keeps status 0.
        tracing::debug!(method = %method, path, "emulator dropped the connection unhandled");
        return dropped_connection();
    }
    let injected = |fault: InjectedError| match (arm, aws) {
        (true, _) => aks::routes::injected(fault, method.as_str(), path),
        (_, true) => eks::routes::injected(fault, path),
        _ => Reply::injected(fault),
    };
    let reply = match (before.error, before.answer) {
        (Some(fault), _) => injected(fault),
        (None, Some((status, body))) => Reply::json(status, body),
        (None, None) => {
            let base = base_url(&headers, &shared);
            let handled = match (arm, aws) {
                (true, _) => aks::routes::handle(
                    &shared,
                    &aks::routes::ArmRequest {
                        method: method.as_str(),
                        path,
                        query: uri.query(),
                        headers: &headers,
                        body: &body,
                        base: &base,
                    },
                ),
                (_, true) => eks::routes::handle(
                    &shared,
                    &eks::routes::EksRequest {
                        method: method.as_str(),
                        path,
                        query: uri.query(),
                        headers: &headers,
                        body: &body,
                    },
                ),
                _ => dispatch(&shared, method.as_str(), path, &body, &base),
            };
            match before.lose_answer {
                Some(lost) => injected(lost),
                None => handled,
            }
        }
    };
    tracing::debug!(method = %method, path, status = reply.status, "emulator request");
    // A request dropped after handling keeps the answer it was never sent, so that a test can
    // tell what took effect.
    shared.set_answer(id, reply.status, reply.body.clone());
    if before.drop_after {
        tracing::debug!(method = %method, path, "emulator dropped the connection after handling");
        return dropped_connection();
    }
    reply.into_response()
}

/// A response that makes the server close the connection before anything of it is sent: hyper
/// writes the head into its buffer, polls the body before flushing, and on the body's error
/// drops the connection, so the client reads no status line, only the connection closing.
fn dropped_connection() -> Response {
    Response::new(axum::body::Body::new(Severed))
}

/// A response body that fails at once (see [`dropped_connection`]).
struct Severed;

impl axum::body::HttpBody for Severed {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: the connection is dropped",
        ))))
    }
}

fn dispatch(shared: &Shared, method: &str, path: &str, body: &[u8], base: &str) -> Reply {
    let decoded: Vec<String> = path.split('/').skip(1).map(percent_decode).collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["v1", "projects", project, "locations", location, rest @ ..] => {
            let call = Call {
                shared,
                method,
                path,
                body,
                base,
                project,
                location,
            };
            call.gke(rest)
        }
        ["compute", "v1", "projects", project, "zones", zone, "instanceGroupManagers", name] => {
            if method != "GET" {
                return method_not_found();
            }
            shared.with_model(|model, _| match model.instance_group(project, zone, name) {
                Some((cluster, pool, group)) => {
                    Reply::ok(wire::instance_group(base, cluster, pool, group))
                }
                None => Reply::json(
                    404,
                    wire::compute_not_found(&format!(
                        "projects/{project}/zones/{zone}/instanceGroupManagers/{name}"
                    )),
                ),
            })
        }
        _ => Reply::error(&GkeError::new(
            404,
            "NOT_FOUND",
            format!("The requested URL {path} was not found on this server."),
        )),
    }
}

/// One GKE API call under `/v1/projects/{project}/locations/{location}/`.
struct Call<'a> {
    shared: &'a Shared,
    method: &'a str,
    path: &'a str,
    body: &'a [u8],
    base: &'a str,
    project: &'a str,
    location: &'a str,
}

impl Call<'_> {
    fn gke(&self, rest: &[&str]) -> Reply {
        let base = self.base;
        match (rest, self.method) {
            (["clusters", cluster], "GET") => {
                let at = self.cluster(cluster);
                Reply::from_result(self.shared.with_model(|model, now| {
                    model.cluster(&at, now).map(|c| wire::cluster(base, c))
                }))
            }
            // Custom methods on the cluster (`clusters/c:setResourceLabels`).
            (["clusters", cluster_and_verb], "POST") => match cluster_and_verb.split_once(':') {
                Some((cluster, "setResourceLabels")) => {
                    let at = self.cluster(cluster);
                    self.mutate(Some("SetLabelsRequest"), |model, request, failure, now| {
                        model.set_resource_labels(&at, request, failure, now)
                    })
                }
                _ => method_not_found(),
            },
            (["clusters", cluster, "nodePools"], "GET") => {
                let at = self.cluster(cluster);
                Reply::from_result(self.shared.with_model(|model, now| {
                    model.cluster(&at, now).map(|c| wire::pool_list(base, c))
                }))
            }
            (["clusters", cluster, "nodePools"], "POST") => {
                let at = self.cluster(cluster);
                self.mutate(
                    Some("CreateNodePoolRequest"),
                    |model, request, failure, now| model.create_pool(&at, request, failure, now),
                )
            }
            (["clusters", cluster, "nodePools", pool_and_verb], method) => {
                let at = self.cluster(cluster);
                let (pool, verb) = match pool_and_verb.split_once(':') {
                    Some((pool, verb)) => (pool, Some(verb)),
                    None => (*pool_and_verb, None),
                };
                match (verb, method) {
                    (None, "GET") => Reply::from_result(self.shared.with_model(|model, now| {
                        model.poll_pool(&at, pool, now);
                        model
                            .pool(&at, pool, now)
                            .map(|(c, p)| wire::pool(base, c, p))
                    })),
                    (None, "PUT") => self.mutate(
                        Some("UpdateNodePoolRequest"),
                        |model, request, failure, now| {
                            model.update_pool(&at, pool, request, failure, now)
                        },
                    ),
                    (None, "DELETE") => self.mutate(None, |model, _, failure, now| {
                        model.delete_pool(&at, pool, failure, now)
                    }),
                    (Some("setAutoscaling"), "POST") => self.mutate(
                        Some("SetNodePoolAutoscalingRequest"),
                        |model, request, failure, now| {
                            model.set_autoscaling(&at, pool, request, failure, now)
                        },
                    ),
                    (Some("setSize"), "POST") => self.mutate(
                        Some("SetNodePoolSizeRequest"),
                        |model, request, failure, now| {
                            model.set_size(&at, pool, request, failure, now)
                        },
                    ),
                    (Some("setManagement"), "POST") => self.mutate(
                        Some("SetNodePoolManagementRequest"),
                        |model, request, failure, now| {
                            model.set_management(&at, pool, request, failure, now)
                        },
                    ),
                    _ => method_not_found(),
                }
            }
            (["operations"], "GET") => self.shared.with_model(|model, _| {
                Reply::ok(wire::operation_list(
                    base,
                    &model.operations(self.project, self.location),
                ))
            }),
            (["operations", name], "GET") => {
                Reply::from_result(self.shared.with_model(|model, now| {
                    model.poll_operation(self.project, name, now);
                    model
                        .operation(self.project, self.location, name)
                        .map(|op| wire::operation(base, op))
                }))
            }
            _ => method_not_found(),
        }
    }

    fn cluster(&self, cluster: &str) -> ClusterRef {
        ClusterRef {
            project: self.project.to_string(),
            location: self.location.to_string(),
            cluster: cluster.to_string(),
        }
    }

    /// A call that starts an operation: validate the body, then let the model start it, failing
    /// it if the fault plan says so.
    fn mutate(
        &self,
        schema: Option<&str>,
        start: impl FnOnce(&mut Model, &Value, Option<String>, u64) -> Result<Operation, GkeError>,
    ) -> Reply {
        let request = match schema {
            Some(schema) => match parse_body(schema, self.body) {
                Ok(request) => request,
                Err(err) => return Reply::error(&err),
            },
            None => json!({}),
        };
        let result = self.shared.with_model(|model, now| {
            let at = Request {
                method: self.method,
                path: self.path,
                body: self.body,
            };
            lock(&self.shared.faults)
                .with_failed_operation(at, |failure| start(model, &request, failure, now))
        });
        Reply::from_result(result.map(|op| wire::operation(self.base, &op)))
    }
}

/// Parses and validates a request body against the contract, returning its canonical form.
fn parse_body(schema: &str, body: &[u8]) -> Result<Value, GkeError> {
    let bad_request = |message: String, field: String| GkeError {
        code: 400,
        status: "INVALID_ARGUMENT",
        message,
        field: Some(field),
    };
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            bad_request(
                format!(
                    "Invalid JSON payload received. Unexpected token at line {} column {}.",
                    e.line(),
                    e.column()
                ),
                String::new(),
            )
        })?
    };
    contract::canonicalize(contract::embedded_contract(), schema, &value)
        .map_err(|violation| bad_request(violation.message, violation.field))
}

fn method_not_found() -> Reply {
    Reply::error(&GkeError::new(404, "NOT_FOUND", "Method not found."))
}

/// Links point back at the host the client used, so they work behind any port mapping.
pub(crate) fn base_url(headers: &HeaderMap, shared: &Shared) -> String {
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) if !host.is_empty() => format!("http://{host}"),
        _ => shared.default_base(),
    }
}

fn recorded_body(body: &[u8]) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    Some(
        serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
    )
}

pub(crate) fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn control_error(status: u16, message: String) -> Reply {
    Reply::error(&GkeError::new(
        status,
        crate::faults::grpc_status_for(status),
        message,
    ))
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RecordedRequest>> {
    Json(shared.requests())
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_requests();
    StatusCode::NO_CONTENT
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Json<Vec<PlannedFault>> {
    Json(lock(&shared.faults).list())
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<PlannedFault>(&body) {
        Ok(fault) => {
            lock(&shared.faults).add(fault.clone());
            (StatusCode::CREATED, Json(fault)).into_response()
        }
        Err(e) => control_error(400, format!("Invalid fault: {e}.")).into_response(),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_faults();
    StatusCode::NO_CONTENT
}

async fn state(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Json<Value> {
    Json(shared.snapshot(&base_url(&headers, &shared)))
}

async fn create_cluster(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let spec = match serde_json::from_slice::<ClusterSpec>(&body) {
        Ok(spec) => spec,
        Err(e) => return control_error(400, format!("Invalid cluster: {e}.")).into_response(),
    };
    Reply::from_result(shared.create_cluster(&spec, &base_url(&headers, &shared))).into_response()
}

/// `POST /_emulator/gke/autoscaler`: acts as the cluster autoscaler on one pool.
async fn autoscale(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = match serde_json::from_slice::<AutoscaleRequest>(&body) {
        Ok(request) => request,
        Err(e) => {
            return control_error(400, format!("Invalid autoscaler request: {e}.")).into_response()
        }
    };
    match shared.autoscale(&request) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => Reply::from_result(Err(err)).into_response(),
    }
}

fn arm_control_error(err: &ArmError) -> Response {
    Reply::json(err.status, aks::wire::error(err)).into_response()
}

/// `POST /_emulator/aks/clusters`: creates a managed cluster with its System pool `nodepool1`.
async fn aks_create_cluster(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let spec = match serde_json::from_slice::<AksClusterSpec>(&body) {
        Ok(spec) => spec,
        Err(e) => {
            return arm_control_error(&ArmError::new(
                400,
                "InvalidRequestContent",
                format!("Invalid cluster: {e}."),
            ))
        }
    };
    match shared.aks_create_cluster(&spec) {
        Ok(cluster) => (StatusCode::CREATED, Json(cluster)).into_response(),
        Err(err) => arm_control_error(&err),
    }
}

/// `POST /_emulator/aks/autoscaler`: acts as the cluster autoscaler on one agent pool.
async fn aks_autoscale(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = match serde_json::from_slice::<AksAutoscaleRequest>(&body) {
        Ok(request) => request,
        Err(e) => {
            return arm_control_error(&ArmError::new(
                400,
                "InvalidRequestContent",
                format!("Invalid autoscaler request: {e}."),
            ))
        }
    };
    match shared.aks_autoscale(&request) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => arm_control_error(&err),
    }
}

/// `GET /_emulator/aks/state`: the AKS state as clients would read it.
async fn aks_state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.aks_snapshot())
}

fn eks_control_error(err: &EksError) -> Response {
    eks::routes::error(err).into_response()
}

/// A control request's JSON body, or the 400 that says why it is not one.
fn eks_control_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &str,
) -> Result<T, EksError> {
    serde_json::from_slice::<T>(body)
        .map_err(|e| EksError::invalid(format!("Invalid {what}: {e}.")))
}

/// `POST /_emulator/eks/clusters`: creates an EKS cluster (no node groups).
async fn eks_create_cluster(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let spec = match eks_control_body::<EksClusterSpec>(&body, "cluster") {
        Ok(spec) => spec,
        Err(err) => return eks_control_error(&err),
    };
    match shared.eks_create_cluster(&spec) {
        Ok(cluster) => (StatusCode::CREATED, Json(json!({ "cluster": cluster }))).into_response(),
        Err(err) => eks_control_error(&err),
    }
}

/// `POST /_emulator/eks/autoscaler`: acts as Cluster Autoscaler on one node group.
async fn eks_autoscale(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = match eks_control_body::<EksAutoscaleRequest>(&body, "autoscaler request") {
        Ok(request) => request,
        Err(err) => return eks_control_error(&err),
    };
    match shared.eks_autoscale(&request) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => eks_control_error(&err),
    }
}

/// `POST /_emulator/eks/health`: sets a node group's health issues.
async fn eks_health(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = match eks_control_body::<EksHealthRequest>(&body, "health request") {
        Ok(request) => request,
        Err(err) => return eks_control_error(&err),
    };
    match shared.eks_set_health(&request) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => eks_control_error(&err),
    }
}

/// `GET /_emulator/eks/state`: the EKS state, with nodes and updates.
async fn eks_state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.eks_snapshot())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("pool%3AsetSize"), "pool:setSize");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}

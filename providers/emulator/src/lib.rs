//! A local emulator of three managed-Kubernetes node-pool APIs for poolctl's quickstart and
//! tests, on one HTTP server routed by path:
//!
//! - **GKE**: the node-pool API of container v1 (`/v1/projects/...`), the cluster's resource
//!   labels (`clusters/{c}:setResourceLabels`, guarded by `labelFingerprint`), plus Compute
//!   instance groups (`/compute/v1/...`);
//! - **AKS**: the agent-pool API of ARM's Microsoft.ContainerService at api-version 2026-08-01
//!   (`/subscriptions/...`): managed clusters, agent pools, async operations; and the managed
//!   cluster's tags through ARM's Tags API (`.../providers/Microsoft.Resources/tags/default`);
//! - **EKS**: the managed node-group API of EKS 2017-11-01 (REST-JSON, `/clusters/...` and
//!   `/tags/...`): clusters, node groups, their updates and tags, in the region of each
//!   request's SigV4 credential scope.
//!
//! Each is an independent reading of the official contract, sharing no code with the providers:
//! request bodies are checked against pruned copies of Google's discovery document
//! (`gke/contract.json`), Microsoft's agent-pool model (`aks/contract.json`) and the botocore
//! EKS model (`eks/contract.json`).
//!
//! Routing and wire parsing (`routes`, `contract`, `aks::routes`, `aks::contract`,
//! `eks::routes`, `eks::contract`) stay apart from the models (`gke::model`, `aks::model`,
//! `eks::model`), which hold clusters, pools and operations and read one clock; `faults` and
//! `persist` plug in around them, for the three clouds at once.

mod aks;
mod clock;
mod contract;
mod eks;
mod faults;
mod fnv;
mod gke;
mod pace;
mod persist;
mod reply;
mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use aks::model::AksClusterSpec;
pub use eks::model::{EksAutoscaleRequest, EksClusterSpec, EksHealthIssue, EksHealthRequest};
pub use faults::{Fault, FaultKind};
pub use gke::model::ClusterSpec;

/// How an emulator behaves; `Default` suits the quickstart.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where `gke.json` (the state of the three clouds) lives, so state survives restarts; `None`
    /// keeps it in memory.
    pub state_dir: Option<PathBuf>,
    /// How long an operation stays RUNNING before it is DONE.
    pub operation_duration: Duration,
    /// When set, an operation is DONE after this many status polls (reads of the
    /// operation, or of the pool it works on) instead of after `operation_duration`, so
    /// that a test's outcome never depends on the machine's speed.
    pub operation_polls: Option<u32>,
    /// Create an unknown cluster on first use instead of answering 404.
    pub auto_create_clusters: bool,
    /// Added to every API response, for benchmarks.
    pub latency: Duration,
    /// Agent pools per page of AKS's list call; small by default, so that clients must follow
    /// `nextLink`.
    pub aks_page_size: usize,
    /// Node groups (and update ids) per page of EKS's list calls, at most; a client's
    /// `maxResults` can only lower it. Small by default, so that clients must follow `nextToken`.
    pub eks_page_size: usize,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            state_dir: None,
            operation_duration: Duration::from_secs(2),
            operation_polls: None,
            auto_create_clusters: false,
            latency: Duration::ZERO,
            aks_page_size: 3,
            eks_page_size: 3,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
    #[error("cannot read the listener's address: {0}")]
    ListenerAddress(#[source] std::io::Error),
    #[error("cannot create the emulator state directory {}: {source}", path.display())]
    StateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the emulator state {}: {source}", path.display())]
    ReadState {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the emulator state {} is not valid JSON state: {source}", path.display())]
    ParseState {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the emulator state {} has format {found}, this emulator reads format {expected}; remove the file to start afresh", path.display())]
    StateFormat {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("the emulator rejected the request: {message}")]
    Rejected { message: String },
}

/// The cluster autoscaler's move, for tests: `POST /_emulator/gke/autoscaler`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleRequest {
    pub project: String,
    pub location: String,
    pub cluster: String,
    pub pool: String,
    /// Nodes in the whole pool.
    pub nodes: i64,
}

/// The cluster autoscaler's move on AKS, for tests: `POST /_emulator/aks/autoscaler`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AksAutoscaleRequest {
    pub subscription: String,
    pub resource_group: String,
    pub cluster: String,
    pub pool: String,
    /// The pool's new `count`, within its `minCount`..=`maxCount`.
    pub count: i64,
}

/// An API request as the emulator received it (control requests under `/_emulator` are not recorded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The body as sent: JSON when it parses, else a JSON string of the raw text; `None` when empty.
    pub body: Option<serde_json::Value>,
    /// The response status; 0 while the request is still being handled.
    pub status: u16,
    /// The `Authorization` header as sent, so tests can check what credentials a client
    /// presents (the emulator itself accepts any, or none).
    #[serde(default)]
    pub authorization: Option<String>,
    /// The `If-Match` header as sent (ARM's optimistic concurrency).
    #[serde(default)]
    pub if_match: Option<String>,
    /// The `If-None-Match` header as sent.
    #[serde(default)]
    pub if_none_match: Option<String>,
    /// The JSON body of the emulator's answer (`None` when it sent none, or while the request
    /// is still being handled), so that a contract check can read both sides.
    #[serde(default)]
    pub response: Option<serde_json::Value>,
}

/// A running emulator; dropping it stops the server.
pub struct RunningEmulator {
    shared: Arc<routes::Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningEmulator {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL for clients, e.g. `http://127.0.0.1:8787`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every API request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    pub fn inject_fault(&self, fault: Fault) {
        self.shared.add_fault(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// The whole GKE state as clients would read it, with operations settled up to now:
    /// `{"clusters":[Cluster...], "operations":[Operation...], "instanceGroupManagers":[...]}`.
    pub fn snapshot(&self) -> serde_json::Value {
        self.shared.snapshot(&self.shared.default_base())
    }

    /// Creates a GKE cluster, as `POST /_emulator/gke/clusters` does.
    pub fn create_cluster(&self, spec: ClusterSpec) -> Result<(), EmulatorError> {
        self.shared
            .create_cluster(&spec, &self.shared.default_base())
            .map(|_| ())
            .map_err(|err| EmulatorError::Rejected {
                message: err.message,
            })
    }

    /// Acts as the cluster autoscaler: moves an autoscaled pool to `request.nodes` in total.
    pub fn autoscale(&self, request: AutoscaleRequest) -> Result<(), EmulatorError> {
        self.shared
            .autoscale(&request)
            .map_err(|err| EmulatorError::Rejected {
                message: err.message,
            })
    }

    /// The whole AKS state as clients would read it, with operations settled up to now:
    /// `{"managedClusters":[ManagedCluster...], "agentPools":[AgentPool...], "operations":[status...]}`.
    pub fn aks_snapshot(&self) -> serde_json::Value {
        self.shared.aks_snapshot()
    }

    /// Creates an AKS managed cluster with its System pool `nodepool1`, as
    /// `POST /_emulator/aks/clusters` does.
    pub fn aks_create_cluster(&self, spec: AksClusterSpec) -> Result<(), EmulatorError> {
        self.shared
            .aks_create_cluster(&spec)
            .map(|_| ())
            .map_err(|err| EmulatorError::Rejected {
                message: err.message,
            })
    }

    /// Acts as the cluster autoscaler on AKS: sets an autoscaled pool's `count` within its bounds.
    pub fn aks_autoscale(&self, request: AksAutoscaleRequest) -> Result<(), EmulatorError> {
        self.shared
            .aks_autoscale(&request)
            .map_err(|err| EmulatorError::Rejected {
                message: err.message,
            })
    }

    /// The whole EKS state, with changes settled up to now: `{"clusters":[Cluster...],
    /// "nodegroups":[Nodegroup...], "nodes":[{name, clusterName, nodegroupName, labels,
    /// taints}...], "updates":[{region, clusterName, nodegroupName, update}...]}`. Node labels
    /// and taints are those EKS puts on the Kubernetes nodes (API labels plus
    /// `eks.amazonaws.com/nodegroup`, `.../capacityType`, `.../nodegroup-image`).
    pub fn eks_snapshot(&self) -> serde_json::Value {
        self.shared.eks_snapshot()
    }

    /// Creates an EKS cluster (without node groups), as `POST /_emulator/eks/clusters` does.
    pub fn eks_create_cluster(&self, spec: EksClusterSpec) -> Result<(), EmulatorError> {
        self.shared
            .eks_create_cluster(&spec)
            .map(|_| ())
            .map_err(|err| EmulatorError::Rejected {
                message: err.message,
            })
    }

    /// Acts as Cluster Autoscaler on EKS: sets a node group's `desiredSize` within its bounds.
    pub fn eks_autoscale(&self, request: EksAutoscaleRequest) -> Result<(), EmulatorError> {
        self.shared
            .eks_autoscale(&request)
            .map_err(|err| EmulatorError::Rejected {
                message: err.message,
            })
    }

    /// Sets a node group's health issues: some put it DEGRADED, none put it back ACTIVE.
    pub fn eks_set_health(&self, request: EksHealthRequest) -> Result<(), EmulatorError> {
        self.shared
            .eks_set_health(&request)
            .map_err(|err| EmulatorError::Rejected {
                message: err.message,
            })
    }

    /// Stops accepting requests and waits briefly for those in flight.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take() {
            // Idle keep-alive connections can hold a graceful shutdown open; do not wait on them.
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves the emulator on `listener` from a task on the current tokio runtime, returning at once.
pub async fn start(
    listener: TcpListener,
    config: EmulatorConfig,
) -> Result<RunningEmulator, EmulatorError> {
    let addr = listener
        .local_addr()
        .map_err(EmulatorError::ListenerAddress)?;
    let state_file = config
        .state_dir
        .as_deref()
        .map(persist::StateFile::open)
        .transpose()?;
    let state = match &state_file {
        Some(file) => file.load_if_changed()?.unwrap_or_default(),
        None => persist::Saved::default(),
    };
    let shared = Arc::new(routes::Shared::new(state, state_file, &config, addr));
    let router = routes::router(shared.clone());
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = server.await {
            tracing::error!(%error, "the emulator stopped");
        }
    });
    tracing::info!(%addr, "GKE, AKS and EKS emulator listening");
    Ok(RunningEmulator {
        shared,
        addr,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

/// Like [`start`], on an ephemeral port of 127.0.0.1.
pub async fn start_loopback(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(EmulatorError::Listen)?;
    start(listener, config).await
}

/// Checks a request body against the emulator's pruned copy of the GKE contract; `schema_name` is a
/// request message such as `CreateNodePoolRequest`. The error is Google's message for the first problem.
pub fn gke_validate_body(schema_name: &str, body: &serde_json::Value) -> Result<(), String> {
    gke_validate_body_with(contract::embedded_contract(), schema_name, body)
}

/// Like [`gke_validate_body`], against any discovery document, such as the full official `container.v1.json`.
pub fn gke_validate_body_with(
    contract: &serde_json::Value,
    schema_name: &str,
    body: &serde_json::Value,
) -> Result<(), String> {
    contract::canonicalize(contract, schema_name, body)
        .map(|_| ())
        .map_err(|violation| violation.message)
}

/// Checks an AgentPool body (as PUT sends it) against the emulator's pruned copy of AKS's
/// official model (azure-mgmt-containerservice 41.8.0, api-version 2026-08-01). Read-only
/// properties pass, as ARM ignores them; see [`aks_read_only_properties`]. The error is the
/// message of the emulator's 400 for the first problem.
pub fn aks_validate_body(body: &serde_json::Value) -> Result<(), String> {
    aks::contract::check_agent_pool(aks::contract::embedded_contract(), body)
        .map(|_| ())
        .map_err(|err| err.message)
}

/// The read-only properties an AgentPool body sets (`properties.eTag`, `name`...), which ARM
/// accepts and ignores; empty when the body does not pass [`aks_validate_body`].
pub fn aks_read_only_properties(body: &serde_json::Value) -> Vec<String> {
    aks::contract::check_agent_pool(aks::contract::embedded_contract(), body)
        .map(|checked| checked.read_only)
        .unwrap_or_default()
}

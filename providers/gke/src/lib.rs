//! `poolctl-gke`: the GKE provider. Talks to container.googleapis.com v1 (or an endpoint
//! override such as the emulator), waits for long-running operations, retries busy answers.
//!
//! The one public constructor is [`GkeProvider::new`]; everything else is the
//! [`poolctl_provider::Provider`] trait.

mod adc;
mod client;
mod convert;
mod lock;
mod wire;

pub use client::AuthMode;

use async_trait::async_trait;
use client::{Bounds, Client};
use poolctl_provider::retry::{self, Deadline, PollSchedule, RetryPolicy};
use poolctl_provider::{
    CapabilityTable, ClusterInfo, ClusterTarget, ExtraValue, Field, Health, LivePool, NoProgress,
    PoolSpec, PoolState, PoolUpdate, Progress, Provider, ProviderError, ProviderResult, Scaling,
};
use reqwest::Method;
use std::time::Duration;
use wire::{
    Cluster, CreateNodePoolRequest, ListNodePoolsResponse, NodeLabels, NodePool, NodeTaints,
    Operation, SetNodePoolAutoscalingRequest, SetNodePoolSizeRequest, UpdateNodePoolRequest,
};

const DEFAULT_ENDPOINT: &str = "https://container.googleapis.com";
/// Creates whose answer was lost (and whose pool was then not found) before giving up.
const DEFAULT_COMPUTE_ENDPOINT: &str = "https://compute.googleapis.com";

/// Tuning that tests and the embedded emulator change; real runs keep the defaults.
#[derive(Debug, Clone, Copy)]
pub struct GkeOptions {
    /// How busy and throttled answers are retried; its `budget` bounds reads.
    pub retry: RetryPolicy,
    /// The pauses between two polls of a running operation.
    pub polling: PollSchedule,
    /// How long a create, update, delete or wait may take in all (its retries, the
    /// operation and the wait for it) when the caller sets no deadline.
    pub operation_timeout: Duration,
    pub auth: AuthMode,
}

impl GkeOptions {
    /// Real GKE operations take minutes: poll gently ([`PollSchedule::CLOUD`]), for up to
    /// 60 minutes. An emulator answers in milliseconds, so polling and retrying it fast
    /// ([`PollSchedule::LOOPBACK`], [`RetryPolicy::LOOPBACK`]) keeps the quickstart and the
    /// tests quick; 10 minutes per call.
    pub fn for_endpoint(loopback: bool) -> Self {
        GkeOptions {
            retry: RetryPolicy::for_endpoint(loopback),
            polling: PollSchedule::for_endpoint(loopback),
            operation_timeout: Duration::from_secs(if loopback { 10 * 60 } else { 60 * 60 }),
            auth: AuthMode::Auto,
        }
    }
}

/// Where static pools' instance groups are read: the Compute endpoint given, else the
/// Container endpoint when that is a loopback emulator (which serves both), else Google's.
/// A private Container endpoint says nothing of where Compute is.
fn compute_endpoint(target: &ClusterTarget, container: &str) -> String {
    match &target.compute_endpoint {
        Some(compute) => compute.trim_end_matches('/').to_string(),
        None if poolctl_http::is_loopback(container) => container.to_string(),
        None => DEFAULT_COMPUTE_ENDPOINT.to_string(),
    }
}

pub struct GkeProvider {
    client: Client,
    /// `{endpoint}/v1/projects/{p}/locations/{l}`
    location_url: String,
    /// `{location_url}/clusters/{c}`
    cluster_url: String,
    compute_endpoint: String,
    options: GkeOptions,
}

impl GkeProvider {
    pub fn new(target: &ClusterTarget) -> ProviderResult<Self> {
        let endpoint = target
            .endpoint
            .clone()
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let loopback = poolctl_http::is_loopback(&endpoint);
        let mut options = GkeOptions::for_endpoint(loopback);
        if let Ok(mode) = std::env::var("POOLCTL_GKE_AUTH") {
            options.auth = mode.parse()?;
        }
        Self::with_options(target, options)
    }

    pub fn with_options(target: &ClusterTarget, options: GkeOptions) -> ProviderResult<Self> {
        let project = target.project.as_deref().ok_or_else(|| {
            ProviderError::Config("a GKE cluster needs `project` in [cluster]".into())
        })?;
        let location = target.location.as_deref().ok_or_else(|| {
            ProviderError::Config("a GKE cluster needs `location` in [cluster]".into())
        })?;
        let endpoint = target
            .endpoint
            .as_deref()
            .map(|e| e.trim_end_matches('/').to_string())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.into());
        let compute_endpoint = compute_endpoint(target, &endpoint);
        let loopback = poolctl_http::is_loopback(&endpoint);
        let location_url = format!("{endpoint}/v1/projects/{project}/locations/{location}");
        let cluster_url = format!("{location_url}/clusters/{}", target.name);
        Ok(GkeProvider {
            client: Client::new(options.auth.sends_credentials(loopback), options.retry)?,
            location_url,
            cluster_url,
            compute_endpoint,
            options,
        })
    }

    fn pool_url(&self, name: &str) -> String {
        format!("{}/nodePools/{name}", self.cluster_url)
    }

    /// What bounds a read for a plan: no caller deadline, the retry budget.
    fn read_bounds(&self) -> Bounds<'static> {
        Bounds {
            deadline: Deadline::after(self.options.retry.budget),
            progress: &NoProgress,
        }
    }

    /// What bounds a create, update, delete or wait: the caller's deadline, else the
    /// operation timeout, for the whole call.
    fn call_bounds<'a>(&self, progress: &'a dyn Progress) -> Bounds<'a> {
        Bounds {
            deadline: Deadline::from_progress(progress, self.options.operation_timeout),
            progress,
        }
    }

    async fn get_pool(&self, name: &str, bounds: Bounds<'_>) -> ProviderResult<NodePool> {
        self.client
            .call(
                &format!("get node pool {name}"),
                Method::GET,
                &self.pool_url(name),
                None::<&()>,
                bounds,
            )
            .await
    }

    async fn zones(&self, bounds: Bounds<'_>) -> ProviderResult<Vec<String>> {
        let cluster: Cluster = self
            .client
            .call(
                "get cluster",
                Method::GET,
                &self.cluster_url,
                None::<&()>,
                bounds,
            )
            .await?;
        let mut zones = cluster.locations;
        zones.sort();
        Ok(zones)
    }

    /// Sums the target sizes of a static pool's instance groups. GKE's NodePool has no
    /// live node count, and `initialNodeCount` never moves after creation.
    async fn static_node_count(
        &self,
        pool: &NodePool,
        bounds: Bounds<'_>,
    ) -> ProviderResult<Option<u32>> {
        if pool.instance_group_urls.is_empty() {
            return Ok(None);
        }
        let mut urls = Vec::with_capacity(pool.instance_group_urls.len());
        for url in &pool.instance_group_urls {
            let Some(at) = url.find("/compute/v1/") else {
                return Ok(None);
            };
            urls.push(format!("{}{}", self.compute_endpoint, &url[at..]));
        }
        let call = format!("read instance groups of node pool {}", pool.name);
        let groups = futures::future::try_join_all(urls.iter().map(|url| {
            self.client.call::<(), wire::InstanceGroupManager>(
                &call,
                Method::GET,
                url,
                None,
                bounds,
            )
        }))
        .await?;
        let total = groups.iter().map(|g| g.target_size).sum();
        Ok(Some(total))
    }

    /// Polls a long-running operation until it is DONE, then reports its error, if any:
    /// DONE also covers failed and cancelled operations. The operation's name goes to
    /// the caller's progress while it runs.
    async fn wait(
        &self,
        call: &str,
        operation: Operation,
        bounds: Bounds<'_>,
    ) -> ProviderResult<()> {
        let name = operation.name.clone();
        retry::tracked(
            bounds.progress,
            &name,
            self.poll(call, &name, operation, bounds),
        )
        .await
    }

    async fn poll(
        &self,
        call: &str,
        name: &str,
        mut operation: Operation,
        bounds: Bounds<'_>,
    ) -> ProviderResult<()> {
        // Operation names are bare ids in v1; a full resource name works as well.
        let id = name.rsplit('/').next().unwrap_or(name);
        let url = format!("{}/operations/{id}", self.location_url);
        let mut polls = self.options.polling.start();
        loop {
            let detail = operation
                .status_message
                .as_deref()
                .or(operation.detail.as_deref())
                .filter(|d| !d.is_empty())
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let kind = operation.operation_type.as_deref().unwrap_or("operation");
            bounds
                .progress
                .status(&format!("{} {kind} {id}{detail}", operation.status));
            if operation.status == "DONE" {
                return match operation.error {
                    Some(error) if error.code != 0 || !error.message.is_empty() => {
                        Err(ProviderError::OperationFailed {
                            call: call.to_string(),
                            operation: name.to_string(),
                            message: error.message,
                        })
                    }
                    _ => Ok(()),
                };
            }
            polls
                .pause(&bounds.deadline, None)
                .await
                .map_err(|_| retry::unfinished(call, name, &operation.status, &bounds.deadline))?;
            operation = self
                .client
                .call(call, Method::GET, &url, None::<&()>, bounds)
                .await?;
        }
    }

    async fn mutate<B: serde::Serialize>(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<&B>,
        bounds: Bounds<'_>,
    ) -> ProviderResult<()> {
        let operation: Operation = self.client.call(call, method, url, body, bounds).await?;
        self.wait(call, operation, bounds).await
    }

    async fn put(
        &self,
        name: &str,
        what: &str,
        body: UpdateNodePoolRequest,
        bounds: Bounds<'_>,
    ) -> ProviderResult<()> {
        self.mutate(
            &format!("update {what} of node pool {name}"),
            Method::PUT,
            &self.pool_url(name),
            Some(&body),
            bounds,
        )
        .await
    }

    async fn set_scaling(
        &self,
        name: &str,
        scaling: Scaling,
        bounds: Bounds<'_>,
    ) -> ProviderResult<()> {
        let url = self.pool_url(name);
        match scaling {
            Scaling::Autoscale { min, max } => {
                let body = SetNodePoolAutoscalingRequest {
                    autoscaling: convert::autoscaling_to_wire(min, max),
                };
                self.mutate(
                    &format!("set autoscaling of node pool {name}"),
                    Method::POST,
                    &format!("{url}:setAutoscaling"),
                    Some(&body),
                    bounds,
                )
                .await
            }
            Scaling::Fixed { nodes } => {
                let live = self.get_pool(name, bounds).await?;
                if live.autoscaling.as_ref().is_some_and(|a| a.enabled) {
                    let body = SetNodePoolAutoscalingRequest {
                        autoscaling: wire::NodePoolAutoscaling::default(),
                    };
                    self.mutate(
                        &format!("turn off autoscaling of node pool {name}"),
                        Method::POST,
                        &format!("{url}:setAutoscaling"),
                        Some(&body),
                        bounds,
                    )
                    .await?;
                }
                let zones = if live.locations.is_empty() {
                    self.zones(bounds).await?.len()
                } else {
                    live.locations.len()
                };
                let body = SetNodePoolSizeRequest {
                    node_count: convert::per_zone(nodes, zones, name)?,
                };
                self.mutate(
                    &format!("resize node pool {name}"),
                    Method::POST,
                    &format!("{url}:setSize"),
                    Some(&body),
                    bounds,
                )
                .await
            }
        }
    }
}

impl GkeProvider {
    /// Polls the pool while it is busy with an operation (another client's, or one whose
    /// answer was lost), then reports its health; `None` when it does not exist.
    async fn wait_while_busy(
        &self,
        name: &str,
        bounds: Bounds<'_>,
    ) -> ProviderResult<Option<Health>> {
        let mut polls = self.options.polling.start();
        loop {
            let pool = match self.get_pool(name, bounds).await {
                Ok(pool) => pool,
                Err(ProviderError::Api { status: 404, .. }) => return Ok(None),
                Err(err) => return Err(err),
            };
            let health = convert::health_from_wire(&pool);
            if health.state != PoolState::Busy {
                return Ok(Some(health));
            }
            bounds
                .progress
                .status(&format!("waiting: the pool is busy ({health})"));
            polls.pause(&bounds.deadline, None).await.map_err(|_| {
                retry::unfinished(
                    &format!("wait for node pool {name}"),
                    "(another client's)",
                    &health.to_string(),
                    &bounds.deadline,
                )
            })?;
        }
    }
}

#[async_trait]
impl Provider for GkeProvider {
    fn kind(&self) -> &'static str {
        "gke"
    }

    fn capabilities(&self) -> &'static CapabilityTable {
        &poolctl_provider::capability::GKE
    }

    async fn lock_records(&self) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        self.read_lock_records().await
    }

    async fn put_lock_record(&self, key: &str, value: &str) -> ProviderResult<()> {
        self.write_lock_record(key, value).await
    }

    async fn remove_lock_record(&self, key: &str) -> ProviderResult<()> {
        self.delete_lock_record(key).await
    }

    async fn cluster(&self) -> ProviderResult<ClusterInfo> {
        Ok(ClusterInfo {
            zones: self.zones(self.read_bounds()).await?,
            location: None,
        })
    }

    async fn list_pools(&self) -> ProviderResult<Vec<LivePool>> {
        let bounds = self.read_bounds();
        let list: ListNodePoolsResponse = self
            .client
            .call(
                "list node pools",
                Method::GET,
                &format!("{}/nodePools", self.cluster_url),
                None::<&()>,
                bounds,
            )
            .await?;
        // Static pools need their instance groups read for a size; those reads go out
        // together rather than one pool after another.
        let sizes = futures::future::try_join_all(list.node_pools.iter().map(|pool| async move {
            let autoscaled = pool.autoscaling.as_ref().is_some_and(|a| a.enabled);
            if autoscaled {
                Ok(None)
            } else {
                self.static_node_count(pool, bounds).await
            }
        }))
        .await?;
        let mut pools: Vec<LivePool> = list
            .node_pools
            .iter()
            .zip(sizes)
            .map(|(pool, static_nodes)| LivePool {
                spec: convert::pool_from_wire(pool, static_nodes),
                health: convert::health_from_wire(pool),
                version: pool.version.clone(),
            })
            .collect();
        pools.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
        Ok(pools)
    }

    async fn create_pool(&self, spec: &PoolSpec, progress: &dyn Progress) -> ProviderResult<()> {
        let bounds = self.call_bounds(progress);
        let zones = if spec.zones.is_empty() {
            self.zones(bounds).await?
        } else {
            spec.zones.clone()
        };
        let body = CreateNodePoolRequest {
            node_pool: convert::pool_to_wire(spec, &zones)?,
        };
        let call = format!("create node pool {}", spec.name);
        let url = format!("{}/nodePools", self.cluster_url);
        let mut lost = 0u32;
        loop {
            // A create must never be sent twice: when its answer is lost, the pool may
            // exist already, so look before sending it again.
            match self
                .client
                .call_once::<_, Operation>(&call, Method::POST, &url, Some(&body), bounds)
                .await
            {
                Ok(operation) => return self.wait(&call, operation, bounds).await,
                Err(ProviderError::AnswerLost { message, .. }) => {
                    lost += 1;
                    progress.status(&format!(
                        "the answer to the create was lost ({message}); looking for the pool"
                    ));
                    match self.wait_while_busy(&spec.name, bounds).await? {
                        Some(health) if health.state == PoolState::Failed => {
                            return Err(ProviderError::OperationFailed {
                                call,
                                operation: "(its answer was lost)".to_string(),
                                message: health.to_string(),
                            })
                        }
                        Some(_) => return Ok(()),
                        None => {
                            retry::again_after_lost(
                                &call,
                                &self.options.retry,
                                &bounds.deadline,
                                lost,
                                &message,
                            )
                            .await?
                        }
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn update_pool(
        &self,
        name: &str,
        updates: &[PoolUpdate],
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        let bounds = self.call_bounds(progress);
        if let [PoolUpdate::Scaling(scaling)] = updates {
            return self.set_scaling(name, *scaling, bounds).await;
        }
        let mut body = UpdateNodePoolRequest::default();
        let mut what = Vec::new();
        for update in updates {
            what.push(match update {
                PoolUpdate::Scaling(_) => {
                    return Err(ProviderError::Config(format!(
                        "node pool {name}: a size change goes through its own call, not \
                         together with other fields"
                    )))
                }
                PoolUpdate::MachineType(m) => {
                    body.machine_type = Some(m.clone());
                    "machine type"
                }
                PoolUpdate::DiskGb(d) => {
                    body.disk_size_gb = Some(i64::from(*d));
                    "disk size"
                }
                PoolUpdate::Labels(labels) => {
                    body.labels = Some(NodeLabels {
                        labels: labels.clone(),
                    });
                    "labels"
                }
                PoolUpdate::Taints(taints) => {
                    body.taints = Some(NodeTaints {
                        taints: convert::taints_to_wire(taints),
                    });
                    "taints"
                }
                PoolUpdate::Tags(tags) => {
                    body.resource_labels = Some(NodeLabels {
                        labels: tags.clone(),
                    });
                    "resource labels"
                }
                PoolUpdate::Zones(zones) => {
                    body.locations = Some(zones.clone());
                    "zones"
                }
                PoolUpdate::Gpu(gpu) => {
                    body.accelerators = Some(convert::accelerators_to_wire(gpu));
                    "accelerators"
                }
                PoolUpdate::Extra {
                    field: Field::ImageType,
                    value: ExtraValue::Text(image),
                } => {
                    body.image_type = Some(image.clone());
                    "image type"
                }
                PoolUpdate::Extra {
                    field: Field::DiskType,
                    value: ExtraValue::Text(disk),
                } => {
                    body.disk_type = Some(disk.clone());
                    "disk type"
                }
                PoolUpdate::Extra { field, .. } => {
                    return Err(ProviderError::Config(format!(
                        "node pool {name}: GKE cannot change `{field}` in place"
                    )))
                }
            });
        }
        if what.is_empty() {
            return Ok(());
        }
        self.put(name, &what.join(", "), body, bounds).await
    }

    async fn wait_for_pool(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> ProviderResult<Option<Health>> {
        self.wait_while_busy(name, self.call_bounds(progress)).await
    }

    async fn delete_pool(&self, name: &str, progress: &dyn Progress) -> ProviderResult<()> {
        let deleted = self
            .mutate(
                &format!("delete node pool {name}"),
                Method::DELETE,
                &self.pool_url(name),
                None::<&()>,
                self.call_bounds(progress),
            )
            .await;
        match deleted {
            // Gone already: a delete sent again after its answer was lost, or a pool
            // someone else removed. Either way what the plan wanted is true.
            Err(ProviderError::Api { status: 404, .. }) => {
                progress.status("the pool is gone already");
                Ok(())
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(endpoint: Option<&str>, compute: Option<&str>) -> ClusterTarget {
        ClusterTarget {
            provider: "gke".into(),
            name: "c".into(),
            project: Some("p".into()),
            resource_group: None,
            location: Some("europe-west1".into()),
            endpoint: endpoint.map(str::to_string),
            compute_endpoint: compute.map(str::to_string),
        }
    }

    fn compute_of(endpoint: Option<&str>, compute: Option<&str>) -> String {
        GkeProvider::new(&target(endpoint, compute))
            .expect("provider")
            .compute_endpoint
    }

    #[test]
    fn compute_reads_go_where_compute_is() {
        assert_eq!(compute_of(None, None), DEFAULT_COMPUTE_ENDPOINT);
        // A private Container endpoint is no Compute endpoint.
        assert_eq!(
            compute_of(Some("https://gke.internal.example.com"), None),
            DEFAULT_COMPUTE_ENDPOINT
        );
        // An emulator serves both.
        assert_eq!(
            compute_of(Some("http://127.0.0.1:8787/"), None),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            compute_of(
                Some("https://gke.internal.example.com"),
                Some("https://compute.internal.example.com/")
            ),
            "https://compute.internal.example.com"
        );
    }
}

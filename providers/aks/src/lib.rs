//! `poolctl-aks`: the AKS provider. Talks to Azure Resource Manager
//! (`Microsoft.ContainerService/managedClusters/agentPools` at [`API_VERSION`], or an
//! endpoint override such as an emulator), waits for long-running operations, retries
//! busy answers, serializes its writes, and guards updates and deletes with the eTags the
//! plan read.
//!
//! The constructors are [`AksProvider::new`] (options from the endpoint and the
//! environment) and [`AksProvider::with_options`]; everything else is the
//! [`poolctl_provider::Provider`] trait.
//!
//! Environment: `POOLCTL_AKS_AUTH` (`auto`, `azure`, `none`: when to send credentials,
//! [`AuthMode`]); `POOLCTL_AKS_CREDENTIAL` (`client-secret`, `workload-identity`,
//! `managed-identity`, `azure-cli`) and the standard `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
//! `AZURE_CLIENT_SECRET`, `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_AUTHORITY_HOST` (https
//! only), `IDENTITY_ENDPOINT`/`MSI_ENDPOINT`: which credential gets the token.

mod auth;
mod client;
mod convert;
mod lock;
mod lro;
mod wire;

pub use auth::{arm_scope, AuthMode, ARM_SCOPE};
pub use azure_core::credentials::TokenCredential;
pub use poolctl_http::is_loopback;

use async_trait::async_trait;
use client::{Bounds, Call, Client};
use lro::Fallback;
use poolctl_provider::retry::{self, Deadline, PollSchedule, RetryPolicy};
use poolctl_provider::{
    CapabilityTable, ClusterInfo, ClusterTarget, Health, LivePool, NoProgress, PoolSpec, PoolState,
    PoolUpdate, Progress, Provider, ProviderError, ProviderResult,
};
use reqwest::{Method, Url};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wire::{AgentPoolList, ManagedCluster};

/// The one ARM api-version of every call: the stable version of the official examples and
/// of the SDK model this provider follows.
pub const API_VERSION: &str = "2026-08-01";

const DEFAULT_ENDPOINT: &str = "https://management.azure.com";
/// Pages of `agentPools` followed before poolctl suspects a `nextLink` loop (AKS allows
/// 100 pools per cluster).
const MAX_PAGES: usize = 1000;

/// Tuning that tests and the emulator change; real runs keep [`AksOptions::for_endpoint`].
#[derive(Debug, Clone)]
pub struct AksOptions {
    /// How busy and throttled answers are retried; its `budget` bounds reads.
    pub retry: RetryPolicy,
    /// The pauses between polls of a running operation.
    pub polling: PollSchedule,
    /// How long a create, update, delete or wait may take in all (its retries, the
    /// operation and the wait for it) when the caller sets no deadline.
    pub operation_timeout: Duration,
    pub auth: AuthMode,
    /// A credential to use instead of the one the environment names (tests, embedders).
    pub credential: Option<Arc<dyn TokenCredential>>,
}

impl AksOptions {
    /// Real AKS operations take minutes: [`PollSchedule::CLOUD`] (5 s doubling to 30 s,
    /// `Retry-After` honoured within 5 s..30 s), [`RetryPolicy::CLOUD`], and at most 60
    /// minutes per call. An emulator answers in milliseconds: the loopback schedule and
    /// policy, at most 10 minutes per call.
    pub fn for_endpoint(loopback: bool) -> Self {
        AksOptions {
            retry: RetryPolicy::for_endpoint(loopback),
            polling: PollSchedule::for_endpoint(loopback),
            operation_timeout: Duration::from_secs(if loopback { 10 * 60 } else { 60 * 60 }),
            auth: AuthMode::Auto,
            credential: None,
        }
    }
}

pub struct AksProvider {
    client: Client,
    polling: PollSchedule,
    operation_timeout: Duration,
    /// `{endpoint}/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{c}`
    cluster: Url,
    /// The eTag of each pool as last read or written by this provider: the plan's
    /// `list_pools` records them, and updates and deletes send them as `If-Match`, so that
    /// a pool changed by someone else between plan and apply is refused (412).
    etags: std::sync::Mutex<HashMap<String, String>>,
    /// AKS runs one agent-pool operation per cluster at a time and answers 409 to another:
    /// every write of this provider, with its wait, holds this lock.
    writes: tokio::sync::Mutex<()>,
}

impl AksProvider {
    /// A provider for the cluster of the blueprint, tuned for its endpoint, with
    /// `POOLCTL_AKS_AUTH` applied.
    pub fn new(target: &ClusterTarget) -> ProviderResult<Self> {
        let endpoint = target.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
        let mut options = AksOptions::for_endpoint(is_loopback(endpoint));
        if let Ok(mode) = std::env::var("POOLCTL_AKS_AUTH") {
            options.auth = mode.parse()?;
        }
        Self::with_options(target, options)
    }

    pub fn with_options(target: &ClusterTarget, options: AksOptions) -> ProviderResult<Self> {
        let subscription = non_empty(&target.project).ok_or_else(|| {
            ProviderError::Config(
                "an AKS cluster needs `subscription` in [cluster] (the subscription ID)".into(),
            )
        })?;
        let resource_group = non_empty(&target.resource_group).ok_or_else(|| {
            ProviderError::Config(
                "an AKS cluster needs `resource_group` in [cluster] (the managed cluster's \
                 resource group)"
                    .into(),
            )
        })?;
        let endpoint_text = non_empty(&target.endpoint).unwrap_or(DEFAULT_ENDPOINT);
        let endpoint = Url::parse(endpoint_text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                ProviderError::Config(format!(
                    "the AKS endpoint `{endpoint_text}` is not an http(s) URL"
                ))
            })?;
        let mut cluster = endpoint.clone();
        cluster.set_query(None);
        cluster
            .path_segments_mut()
            .map_err(|()| {
                ProviderError::Config(format!("the AKS endpoint `{endpoint_text}` has no path"))
            })?
            .pop_if_empty()
            .extend([
                "subscriptions",
                subscription,
                "resourceGroups",
                resource_group,
                "providers",
                "Microsoft.ContainerService",
                "managedClusters",
                &target.name,
            ]);
        let loopback = is_loopback(endpoint.as_str());
        let auth = options.auth.sends_credentials(loopback).then(|| {
            let scope = std::env::var("POOLCTL_AKS_SCOPE").ok();
            auth::Auth::new(
                options.credential.clone(),
                auth::arm_scope(&endpoint, scope.as_deref()),
            )
        });
        Ok(AksProvider {
            client: Client::new(endpoint, auth, options.retry)?,
            polling: options.polling,
            operation_timeout: options.operation_timeout,
            cluster,
            etags: std::sync::Mutex::new(HashMap::new()),
            writes: tokio::sync::Mutex::new(()),
        })
    }

    /// A URL under the cluster, with the api-version.
    fn url(&self, segments: &[&str]) -> String {
        let mut url = self.cluster.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.extend(segments);
        }
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION);
        url.to_string()
    }

    fn pool_url(&self, name: &str) -> String {
        self.url(&["agentPools", name])
    }

    /// What bounds a read for a plan: no caller deadline, the retry budget.
    fn read_bounds(&self) -> Bounds<'static> {
        Bounds {
            deadline: Deadline::after(self.client.read_budget()),
            progress: &NoProgress,
        }
    }

    /// What bounds a create, update, delete or wait: the caller's deadline, else the
    /// operation timeout, for the whole call (the wait for this provider's other writes
    /// included).
    fn call_bounds<'a>(&self, progress: &'a dyn Progress) -> Bounds<'a> {
        Bounds {
            deadline: Deadline::from_progress(progress, self.operation_timeout),
            progress,
        }
    }

    fn etags(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A panic elsewhere while holding the lock leaves a map that is still whole.
        self.etags.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record_etag(&self, name: &str, etag: Option<&str>) {
        let mut etags = self.etags();
        match etag {
            Some(etag) => etags.insert(name.to_string(), etag.to_string()),
            None => etags.remove(name),
        };
    }

    fn recorded_etag(&self, name: &str) -> Option<String> {
        self.etags().get(name).cloned()
    }

    /// Reads the pool after a write: records its eTag, and reports a pool that the
    /// operation left Failed.
    async fn settle(&self, call: &str, name: &str, bounds: Bounds<'_>) -> ProviderResult<()> {
        let url = self.pool_url(name);
        let Some((pool, _)) = lro::get_pool(&self.client, call, &url, bounds).await? else {
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: name.to_string(),
                message: "the operation ended but the pool is not there".into(),
            });
        };
        self.record_etag(name, pool.properties.e_tag.as_deref());
        let health = convert::health_from_wire(&pool);
        if health.state == PoolState::Failed {
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: name.to_string(),
                message: health.to_string(),
            });
        }
        Ok(())
    }

    async fn put_create(&self, spec: &PoolSpec, bounds: Bounds<'_>) -> ProviderResult<()> {
        let name = &spec.name;
        let call = format!("create agent pool {name}");
        let url = self.pool_url(name);
        let body = convert::create_body(spec)?;
        let mut lost = 0u32;
        loop {
            let sent = self
                .client
                .send(
                    &Call {
                        what: &call,
                        method: Method::PUT,
                        url: &url,
                        body: Some(&body),
                        if_match: None,
                        if_none_match_any: true,
                        repeatable: false,
                    },
                    bounds,
                )
                .await;
            match sent {
                Ok(answer) => {
                    let fallback = Fallback::PoolSettles { name, url: &url };
                    return lro::wait(&self.client, self.polling, &call, &answer, fallback, bounds)
                        .await;
                }
                // The pool exists. After a lost answer it may be this run's own create.
                Err(ProviderError::ChangedSincePlan { message, .. }) if lost == 0 => {
                    return Err(ProviderError::Api {
                        call,
                        status: 412,
                        code: "PreconditionFailed".into(),
                        message: format!(
                            "pool {name} was created by someone else meanwhile, so poolctl \
                             did not overwrite it ({message}); plan again"
                        ),
                    })
                }
                Err(ProviderError::ChangedSincePlan { .. }) => {
                    return self.wait_for_own_create(&call, name, bounds).await
                }
                // A create is never sent twice blindly: look for the pool first.
                Err(ProviderError::AnswerLost { message, .. }) => {
                    lost += 1;
                    bounds.progress.status(&format!(
                        "the answer to the create was lost ({message}); looking for the pool"
                    ));
                    if lro::get_pool(&self.client, &call, &url, bounds)
                        .await?
                        .is_some()
                    {
                        return self.wait_for_own_create(&call, name, bounds).await;
                    }
                    self.before_resend(&call, bounds, lost, &message).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The create's answer was lost and the pool exists: wait for it as for our own.
    async fn wait_for_own_create(
        &self,
        call: &str,
        name: &str,
        bounds: Bounds<'_>,
    ) -> ProviderResult<()> {
        match self.wait_while_busy(name, bounds).await? {
            Some(_) => Ok(()),
            None => Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: name.to_string(),
                message: "the pool appeared, then disappeared".into(),
            }),
        }
    }

    async fn put_update(
        &self,
        name: &str,
        updates: &[PoolUpdate],
        bounds: Bounds<'_>,
    ) -> ProviderResult<()> {
        let call = format!("update agent pool {name}");
        let url = self.pool_url(name);
        let live = self.client.send(&Call::get(&call, &url), bounds).await?;
        let live_json: serde_json::Value = live.json(&call)?;
        let update = convert::update_body(&live_json, updates)?;
        // The plan's eTag; a pool the plan never saw (created in this run) has the one
        // just read.
        let if_match = self.recorded_etag(name).or_else(|| {
            live_json
                .pointer("/properties/eTag")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        let mut lost = 0u32;
        loop {
            let sent = self
                .client
                .send(
                    &Call {
                        what: &call,
                        method: Method::PUT,
                        url: &url,
                        body: Some(&update.body),
                        if_match: if_match.as_deref(),
                        if_none_match_any: false,
                        repeatable: false,
                    },
                    bounds,
                )
                .await;
            match sent {
                Ok(answer) => {
                    let fallback = Fallback::PoolSettles { name, url: &url };
                    return lro::wait(&self.client, self.polling, &call, &answer, fallback, bounds)
                        .await;
                }
                Err(ProviderError::AnswerLost { message, .. }) => {
                    lost += 1;
                    bounds.progress.status(&format!(
                        "the answer to the update was lost ({message}); reading the pool"
                    ));
                    let now = self.client.send(&Call::get(&call, &url), bounds).await?;
                    let now_json: serde_json::Value = now.json(&call)?;
                    if convert::carries(&now_json, &update.body, &update.changed) {
                        // It landed: wait for it as for an answered one.
                        return match self.wait_while_busy(name, bounds).await? {
                            Some(_) => Ok(()),
                            None => Err(ProviderError::OperationFailed {
                                call,
                                operation: name.to_string(),
                                message: "the pool disappeared during the update".into(),
                            }),
                        };
                    }
                    let now_etag = now_json
                        .pointer("/properties/eTag")
                        .and_then(|v| v.as_str());
                    if if_match.is_some() && now_etag != if_match.as_deref() {
                        return Err(ProviderError::ChangedSincePlan {
                            call,
                            message: "the pool's eTag changed while the answer to the update \
                                      was lost, and it does not carry the update"
                                .into(),
                        });
                    }
                    // Unchanged: the update did not land; send it again.
                    self.before_resend(&call, bounds, lost, &message).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn send_delete(&self, name: &str, bounds: Bounds<'_>) -> ProviderResult<()> {
        let call = format!("delete agent pool {name}");
        let url = self.pool_url(name);
        let if_match = self.recorded_etag(name);
        let mut lost = 0u32;
        loop {
            let sent = self
                .client
                .send(
                    &Call {
                        what: &call,
                        method: Method::DELETE,
                        url: &url,
                        body: None,
                        if_match: if_match.as_deref(),
                        if_none_match_any: false,
                        repeatable: false,
                    },
                    bounds,
                )
                .await;
            match sent {
                Ok(answer) if answer.status == reqwest::StatusCode::NO_CONTENT => return Ok(()),
                Ok(answer) => {
                    let fallback = Fallback::PoolGone { name, url: &url };
                    return lro::wait(&self.client, self.polling, &call, &answer, fallback, bounds)
                        .await;
                }
                Err(ProviderError::Api { status: 404, .. }) => return Ok(()),
                Err(ProviderError::AnswerLost { message, .. }) => {
                    lost += 1;
                    bounds.progress.status(&format!(
                        "the answer to the delete was lost ({message}); looking for the pool"
                    ));
                    match lro::get_pool(&self.client, &call, &url, bounds).await? {
                        None => return Ok(()),
                        Some((pool, _)) => {
                            let state = pool.properties.provisioning_state.unwrap_or_default();
                            if state.eq_ignore_ascii_case("Deleting") {
                                return match self.wait_while_busy(name, bounds).await? {
                                    None => Ok(()),
                                    Some(health) => Err(ProviderError::OperationFailed {
                                        call,
                                        operation: name.to_string(),
                                        message: format!("the pool is {health}, not deleted"),
                                    }),
                                };
                            }
                        }
                    }
                    self.before_resend(&call, bounds, lost, &message).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl AksProvider {
    /// Before a write whose answer was lost, and which was then found not to have
    /// landed, is sent again: a pause, or the end of retries at the call's deadline.
    async fn before_resend(
        &self,
        call: &str,
        bounds: Bounds<'_>,
        lost: u32,
        last: &str,
    ) -> ProviderResult<()> {
        retry::again_after_lost(
            call,
            self.client.retry_policy(),
            &bounds.deadline,
            lost,
            last,
        )
        .await
    }

    /// Polls the pool while it is busy with an operation (another client's, or one whose
    /// answer was lost), then reports its health; `None` when it does not exist.
    async fn wait_while_busy(
        &self,
        name: &str,
        bounds: Bounds<'_>,
    ) -> ProviderResult<Option<Health>> {
        let call = format!("wait for agent pool {name}");
        let url = self.pool_url(name);
        let mut polls = self.polling.start();
        loop {
            let Some((pool, answer)) = lro::get_pool(&self.client, &call, &url, bounds).await?
            else {
                return Ok(None);
            };
            let health = convert::health_from_wire(&pool);
            if health.state != PoolState::Busy {
                return Ok(Some(health));
            }
            bounds
                .progress
                .status(&format!("{}: agent pool {name}", health.status));
            polls
                .pause(&bounds.deadline, answer.retry_after())
                .await
                .map_err(|_| {
                    retry::unfinished(
                        &call,
                        &format!("agent pool {name} ({})", health.status),
                        &health.status,
                        &bounds.deadline,
                    )
                })?;
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[async_trait]
impl Provider for AksProvider {
    fn kind(&self) -> &'static str {
        "aks"
    }

    fn capabilities(&self) -> &'static CapabilityTable {
        &poolctl_provider::capability::AKS
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
        let cluster: ManagedCluster = self
            .client
            .get_json("get managed cluster", &self.url(&[]), self.read_bounds())
            .await?;
        Ok(ClusterInfo {
            // A pool without availabilityZones is regional: no zone list to default to.
            zones: Vec::new(),
            location: cluster.location,
        })
    }

    async fn list_pools(&self) -> ProviderResult<Vec<LivePool>> {
        let call = "list agent pools";
        let mut url = self.url(&["agentPools"]);
        let mut pools = Vec::new();
        let mut etags = HashMap::new();
        let bounds = self.read_bounds();
        for _ in 0..MAX_PAGES {
            let page: AgentPoolList = self.client.get_json(call, &url, bounds).await?;
            for pool in &page.value {
                if let Some(etag) = &pool.properties.e_tag {
                    etags.insert(pool.name.clone(), etag.clone());
                }
                pools.push(LivePool {
                    spec: convert::pool_from_wire(pool),
                    health: convert::health_from_wire(pool),
                    version: pool.properties.current_orchestrator_version.clone(),
                });
            }
            match page.next_link.as_deref().filter(|l| !l.is_empty()) {
                Some(next) => url = self.client.follow(call, next)?,
                None => {
                    *self.etags() = etags;
                    pools.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
                    return Ok(pools);
                }
            }
        }
        Err(ProviderError::Protocol {
            call: call.into(),
            message: format!("more than {MAX_PAGES} pages of agent pools: a nextLink loop?"),
        })
    }

    async fn create_pool(&self, spec: &PoolSpec, progress: &dyn Progress) -> ProviderResult<()> {
        let bounds = self.call_bounds(progress);
        let _write = self.writes.lock().await;
        self.put_create(spec, bounds).await?;
        self.settle(
            &format!("create agent pool {}", spec.name),
            &spec.name,
            bounds,
        )
        .await
    }

    async fn update_pool(
        &self,
        name: &str,
        updates: &[PoolUpdate],
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        let bounds = self.call_bounds(progress);
        let _write = self.writes.lock().await;
        self.put_update(name, updates, bounds).await?;
        self.settle(&format!("update agent pool {name}"), name, bounds)
            .await
    }

    async fn delete_pool(&self, name: &str, progress: &dyn Progress) -> ProviderResult<()> {
        let bounds = self.call_bounds(progress);
        let _write = self.writes.lock().await;
        self.send_delete(name, bounds).await?;
        self.record_etag(name, None);
        Ok(())
    }

    async fn wait_for_pool(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> ProviderResult<Option<Health>> {
        self.wait_while_busy(name, self.call_bounds(progress)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> ClusterTarget {
        ClusterTarget {
            provider: "aks".into(),
            name: "prod-1".into(),
            project: Some("00000000-0000-0000-0000-000000000000".into()),
            resource_group: Some("rg (west)".into()),
            location: None,
            endpoint: None,
            compute_endpoint: None,
        }
    }

    #[test]
    fn urls_name_the_cluster_and_the_api_version() {
        let provider = AksProvider::new(&target()).expect("provider");
        assert_eq!(
            provider.pool_url("gpu1"),
            "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000\
             /resourceGroups/rg%20(west)/providers/Microsoft.ContainerService/managedClusters\
             /prod-1/agentPools/gpu1?api-version=2026-08-01"
        );
    }

    #[test]
    fn a_missing_subscription_or_resource_group_names_the_blueprint_key() {
        let mut t = target();
        t.project = None;
        let err = AksProvider::new(&t).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("`subscription`")),
            "{err:?}"
        );
        let mut t = target();
        t.resource_group = Some(" ".into());
        let err = AksProvider::new(&t).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("`resource_group`")),
            "{err:?}"
        );
        let mut t = target();
        t.endpoint = Some("ftp://example".into());
        assert!(matches!(
            AksProvider::new(&t),
            Err(ProviderError::Config(_))
        ));
    }

    #[test]
    fn an_endpoint_with_a_path_keeps_it() {
        let mut t = target();
        t.endpoint = Some("http://127.0.0.1:9000/arm/".into());
        let provider = AksProvider::new(&t).expect("provider");
        assert!(provider
            .pool_url("a")
            .starts_with("http://127.0.0.1:9000/arm/subscriptions/"));
    }
}

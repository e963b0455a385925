//! `poolctl-eks`: the EKS provider. Manages the managed node groups of one EKS cluster
//! through `aws-sdk-eks` (or an endpoint override such as an emulator or moto), waits for
//! their operations, retries EKS's busy and throttling answers, and computes the add/remove
//! changes that UpdateNodegroupConfig takes.
//!
//! The constructor is [`EksProvider::connect`]; everything else is the
//! [`poolctl_provider::Provider`] trait. Different node groups of one cluster may be changed
//! concurrently through one provider: EKS allows one update at a time per node group only.
//!
//! Environment: `POOLCTL_EKS_AUTH` (`auto`, `aws`, `none`: when to send real credentials,
//! [`AuthMode`]), and the AWS SDK's own (`AWS_REGION`, `AWS_PROFILE`,
//! `AWS_ACCESS_KEY_ID`, ...).

mod connect;
mod convert;
mod deltas;
mod errors;
mod lock;
mod request;
mod wait;

pub use connect::AuthMode;

use async_trait::async_trait;
use aws_sdk_eks::types::{
    LaunchTemplateSpecification, Nodegroup, NodegroupScalingConfig, UpdateLabelsPayload,
    UpdateTaintsPayload,
};
use connect::Connection;
use futures::{StreamExt, TryStreamExt};
use poolctl_provider::retry::{self, Deadline};
use poolctl_provider::{
    CapabilityTable, ClusterInfo, ClusterTarget, ExtraValue, Field, Health, LivePool, PoolSpec,
    PoolUpdate, Progress, Provider, ProviderError, ProviderResult,
};
use request::{Failure, Request};
use wait::Requested;

/// DescribeNodegroup calls in flight at once while listing: enough to list a cluster's 30
/// groups in a few round trips, few enough to stay clear of EKS's request-rate limits.
const DESCRIBE_CONCURRENCY: usize = 8;
/// Pages of ListNodegroups followed before poolctl suspects a `nextToken` loop.
const MAX_PAGES: usize = 1000;

/// How many node groups of one cluster poolctl changes at once.
const PARALLEL_OPERATIONS: usize = 5;

pub struct EksProvider {
    conn: Connection,
}

impl EksProvider {
    /// A provider for the cluster `target.name` in region `target.location` (else the AWS
    /// default region chain), at `target.endpoint` when set, with `POOLCTL_EKS_AUTH`
    /// applied. Looks for credentials once, so that missing ones are reported here.
    pub async fn connect(target: &ClusterTarget) -> ProviderResult<EksProvider> {
        let auth = match std::env::var("POOLCTL_EKS_AUTH") {
            Ok(mode) => mode.parse()?,
            Err(_) => AuthMode::Auto,
        };
        Ok(EksProvider {
            conn: connect::connect(target, auth).await?,
        })
    }

    fn request<'a>(&'a self, call: &'a str, operation: &'a str, deadline: Deadline) -> Request<'a> {
        Request {
            call,
            operation,
            in_use_is_busy: true,
            deadline,
            retry: &self.conn.timing.retry,
        }
    }

    /// When a create, update, delete or wait must be over: the caller's deadline, else
    /// the operation timeout, for the whole call.
    fn call_deadline(&self, progress: &dyn Progress) -> Deadline {
        Deadline::from_progress(progress, self.conn.timing.operation)
    }

    /// When a read for a plan (no caller deadline) stops retrying.
    fn read_deadline(&self) -> Deadline {
        Deadline::after(self.conn.timing.retry.budget)
    }

    fn endpoint(&self) -> &str {
        &self.conn.endpoint
    }

    async fn list_names(&self, call: &str, deadline: Deadline) -> ProviderResult<Vec<String>> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .request(call, "ListNodegroups", deadline)
                .run(&poolctl_provider::NoProgress, || {
                    self.conn
                        .client
                        .list_nodegroups()
                        .cluster_name(&self.conn.cluster)
                        .set_next_token(token.clone())
                        .send()
                })
                .await
                .map_err(|e| self.cluster_error(e, call))?;
            names.extend(page.nodegroups().iter().cloned());
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next.to_string()),
                None => return Ok(names),
            }
        }
        Err(ProviderError::Protocol {
            call: call.to_string(),
            message: format!("more than {MAX_PAGES} pages of node groups: a nextToken loop?"),
        })
    }

    /// A missing cluster is named with its region: the usual mistake is the wrong one.
    fn cluster_error(&self, failure: Failure, call: &str) -> ProviderError {
        if failure.eks().is_some_and(|e| e.is_not_found()) {
            let message = failure.eks().map(|e| e.message.clone()).unwrap_or_default();
            return ProviderError::Api {
                call: call.to_string(),
                status: 404,
                code: "ResourceNotFoundException".into(),
                message: format!(
                    "no EKS cluster {} in region {} ({message}); check `name` and `region` in \
                     [cluster]",
                    self.conn.cluster, self.conn.region
                ),
            };
        }
        failure.into_provider(call, self.endpoint())
    }

    /// The node group as it is now, for an update; a missing one is an error.
    async fn live_group(
        &self,
        call: &str,
        name: &str,
        deadline: Deadline,
        progress: &dyn Progress,
    ) -> ProviderResult<Nodegroup> {
        wait::describe(&self.conn, call, name, deadline, progress)
            .await?
            .ok_or_else(|| ProviderError::Api {
                call: call.to_string(),
                status: 404,
                code: "ResourceNotFoundException".into(),
                message: format!(
                    "no node group {name} in EKS cluster {} ({})",
                    self.conn.cluster, self.conn.region
                ),
            })
    }

    /// Labels, taints and scaling in one UpdateNodegroupConfig, as add/remove changes
    /// against the live group; nothing is sent when the group already carries them.
    async fn update_config(
        &self,
        call: &str,
        name: &str,
        group: &Nodegroup,
        updates: &[&PoolUpdate],
        deadline: Deadline,
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        let mut requested = Requested::default();
        let mut labels = None;
        let mut taints = None;
        let mut scaling = None;
        for update in updates {
            match update {
                PoolUpdate::Labels(wanted) => {
                    let delta = deltas::label_delta(&convert::live_labels(group), wanted);
                    requested.labels = Some(wanted.clone());
                    if !delta.is_empty() {
                        labels = Some(
                            UpdateLabelsPayload::builder()
                                .set_add_or_update_labels(
                                    (!delta.add_or_update.is_empty())
                                        .then(|| delta.add_or_update.into_iter().collect()),
                                )
                                .set_remove_labels(
                                    (!delta.remove.is_empty()).then_some(delta.remove),
                                )
                                .build(),
                        );
                    }
                }
                PoolUpdate::Taints(wanted) => {
                    let delta = deltas::taint_delta(&convert::live_taints(group), wanted);
                    requested.taints = Some(wanted.clone());
                    if !delta.is_empty() {
                        let sdk = |ts: Vec<poolctl_provider::Taint>| {
                            (!ts.is_empty()).then(|| ts.iter().map(convert::taint_to_sdk).collect())
                        };
                        taints = Some(
                            UpdateTaintsPayload::builder()
                                .set_add_or_update_taints(sdk(delta.add_or_update))
                                .set_remove_taints(sdk(delta.remove))
                                .build(),
                        );
                    }
                }
                PoolUpdate::Scaling(wanted) => {
                    let (min, max, desired) = convert::live_sizes(group);
                    let sizes = deltas::sizes(*wanted, desired);
                    requested.sizes = Some(sizes);
                    let unchanged = min == Some(sizes.min)
                        && max == Some(sizes.max)
                        && (sizes.desired.is_none() || sizes.desired == desired);
                    if !unchanged {
                        scaling = Some(
                            NodegroupScalingConfig::builder()
                                .min_size(sizes.min)
                                .max_size(sizes.max)
                                .set_desired_size(sizes.desired)
                                .build(),
                        );
                    }
                }
                _ => {}
            }
        }
        if labels.is_none() && taints.is_none() && scaling.is_none() {
            progress.status(&format!("node group {name} already has these settings"));
            return Ok(());
        }
        deadline.check(call)?;
        // One token for every retry: a resend after a dropped answer is the same update.
        let token = request::request_token();
        let answer = self
            .request(call, "UpdateNodegroupConfig", deadline)
            .run(progress, || {
                self.conn
                    .client
                    .update_nodegroup_config()
                    .cluster_name(&self.conn.cluster)
                    .nodegroup_name(name)
                    .set_labels(labels.clone())
                    .set_taints(taints.clone())
                    .set_scaling_config(scaling.clone())
                    .client_request_token(&token)
                    .send()
            })
            .await
            .map_err(|e| e.into_provider(call, self.endpoint()))?;
        let id = answer.update().and_then(|u| u.id());
        self.wait_for_update(
            "UpdateNodegroupConfig",
            call,
            name,
            id,
            &requested,
            deadline,
            progress,
        )
        .await
    }

    /// A new launch-template version: UpdateNodegroupVersion, a rolling replacement of the
    /// nodes.
    async fn update_template_version(
        &self,
        call: &str,
        name: &str,
        group: &Nodegroup,
        version: &str,
        deadline: Deadline,
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        let Some(template) = group.launch_template() else {
            return Err(ProviderError::Config(format!(
                "node group {name} was created without a launch template, so it has no \
                 launch-template version to change; EKS cannot add one: replace the pool"
            )));
        };
        if template.version() == Some(version) {
            return Ok(());
        }
        // The template is named as the group knows it: by id when EKS reports one.
        let spec = match template.id().filter(|id| !id.is_empty()) {
            Some(id) => LaunchTemplateSpecification::builder().id(id),
            None => {
                LaunchTemplateSpecification::builder().set_name(template.name().map(Into::into))
            }
        }
        .version(version)
        .build();
        // Kubernetes stays at the group's version (an omitted `version` has meant "latest"
        // in some revisions of the API). A custom AMI (amiType CUSTOM) carries its own
        // version, and EKS refuses `version` with it.
        let custom_ami = group.ami_type().is_some_and(|a| a.as_str() == "CUSTOM");
        let k8s_version = group.version().filter(|_| !custom_ami).map(str::to_string);
        deadline.check(call)?;
        let token = request::request_token();
        let answer = self
            .request(call, "UpdateNodegroupVersion", deadline)
            .run(progress, || {
                self.conn
                    .client
                    .update_nodegroup_version()
                    .cluster_name(&self.conn.cluster)
                    .nodegroup_name(name)
                    .launch_template(spec.clone())
                    .set_version(k8s_version.clone())
                    .client_request_token(&token)
                    .send()
            })
            .await
            .map_err(|e| e.into_provider(call, self.endpoint()))?;
        let requested = Requested {
            template_version: Some(version.to_string()),
            ..Requested::default()
        };
        let id = answer.update().and_then(|u| u.id());
        self.wait_for_update(
            "UpdateNodegroupVersion",
            call,
            name,
            id,
            &requested,
            deadline,
            progress,
        )
        .await
    }

    /// Says the update was accepted (with its id), then waits until the group is ACTIVE and
    /// shows what was requested.
    #[allow(clippy::too_many_arguments)]
    async fn wait_for_update(
        &self,
        operation: &str,
        call: &str,
        name: &str,
        id: Option<&str>,
        requested: &Requested,
        deadline: Deadline,
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        progress.status(&match id {
            Some(id) => format!("{operation} accepted: update {id}"),
            None => format!("{operation} accepted"),
        });
        let tracked_as = id.map_or_else(|| format!("{operation} {name}"), str::to_string);
        retry::tracked(
            progress,
            &tracked_as,
            wait::until_updated(
                &self.conn,
                call,
                name,
                id,
                &tracked_as,
                requested,
                deadline,
                progress,
            ),
        )
        .await
    }

    /// TagResource and UntagResource on the group's ARN: they take effect at once.
    async fn update_tags(
        &self,
        call: &str,
        group: &Nodegroup,
        wanted: &std::collections::BTreeMap<String, String>,
        deadline: Deadline,
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        let arn = group.nodegroup_arn().unwrap_or_default();
        if arn.is_empty() {
            return Err(ProviderError::Protocol {
                call: call.to_string(),
                message: "DescribeNodegroup answered without a nodegroupArn to tag".into(),
            });
        }
        let delta = deltas::tag_delta(&convert::live_tags(group), wanted);
        if !delta.set.is_empty() || !delta.remove.is_empty() {
            deadline.check(call)?;
        }
        if !delta.set.is_empty() {
            let tags: std::collections::HashMap<String, String> = delta.set.into_iter().collect();
            self.request(call, "TagResource", deadline)
                .run(progress, || {
                    self.conn
                        .client
                        .tag_resource()
                        .resource_arn(arn)
                        .set_tags(Some(tags.clone()))
                        .send()
                })
                .await
                .map_err(|e| e.into_provider(call, self.endpoint()))?;
            progress.status(&format!("tagged ({} tags set)", tags.len()));
        }
        if !delta.remove.is_empty() {
            self.request(call, "UntagResource", deadline)
                .run(progress, || {
                    self.conn
                        .client
                        .untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(Some(delta.remove.clone()))
                        .send()
                })
                .await
                .map_err(|e| e.into_provider(call, self.endpoint()))?;
            progress.status(&format!("untagged ({} tags removed)", delta.remove.len()));
        }
        Ok(())
    }
}

#[async_trait]
impl Provider for EksProvider {
    fn kind(&self) -> &'static str {
        "eks"
    }

    fn capabilities(&self) -> &'static CapabilityTable {
        &poolctl_provider::capability::EKS
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

    /// EKS changes different node groups of a cluster at once (one update at a time per
    /// group). Bounded so that a large blueprint does not meet the API's rate limit.
    fn parallel_operations(&self) -> usize {
        PARALLEL_OPERATIONS
    }

    async fn cluster(&self) -> ProviderResult<ClusterInfo> {
        let call = "describe EKS cluster";
        let deadline = self.read_deadline();
        self.request(call, "DescribeCluster", deadline)
            .run(&poolctl_provider::NoProgress, || {
                self.conn
                    .client
                    .describe_cluster()
                    .name(&self.conn.cluster)
                    .send()
            })
            .await
            .map_err(|e| self.cluster_error(e, call))?;
        // Node groups are placed by their subnets: there is no zone list to default to.
        Ok(ClusterInfo {
            zones: vec![],
            location: None,
        })
    }

    async fn list_pools(&self) -> ProviderResult<Vec<LivePool>> {
        let call = "list node groups";
        let deadline = self.read_deadline();
        let names = self.list_names(call, deadline).await?;
        let groups: Vec<Option<Nodegroup>> = futures::stream::iter(names)
            .map(|name| async move {
                let call = format!("describe node group {name}");
                wait::describe(
                    &self.conn,
                    &call,
                    &name,
                    deadline,
                    &poolctl_provider::NoProgress,
                )
                .await
            })
            .buffered(DESCRIBE_CONCURRENCY)
            .try_collect()
            .await?;
        // A group deleted between the list and its describe is simply not there any more.
        let mut pools: Vec<LivePool> = groups.iter().flatten().map(convert::live_pool).collect();
        pools.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
        Ok(pools)
    }

    async fn create_pool(&self, spec: &PoolSpec, progress: &dyn Progress) -> ProviderResult<()> {
        let name = &spec.name;
        let call = format!("create node group {name}");
        let parts = convert::create_parts(spec)?;
        let deadline = self.call_deadline(progress);
        deadline.check(&call)?;
        let token = request::request_token();
        let mut request = self.request(&call, "CreateNodegroup", deadline);
        // For a create, ResourceInUseException means the name is taken.
        request.in_use_is_busy = false;
        let created = request
            .run(progress, || {
                self.conn
                    .client
                    .create_nodegroup()
                    .cluster_name(&self.conn.cluster)
                    .nodegroup_name(name)
                    .scaling_config(parts.scaling.clone())
                    .set_instance_types(Some(parts.instance_types.clone()))
                    .capacity_type(parts.capacity_type.clone())
                    .set_ami_type(parts.ami_type.clone())
                    .set_disk_size(parts.disk_size)
                    .set_labels((!parts.labels.is_empty()).then(|| parts.labels.clone()))
                    .set_taints((!parts.taints.is_empty()).then(|| parts.taints.clone()))
                    .set_tags((!parts.tags.is_empty()).then(|| parts.tags.clone()))
                    .set_subnets(Some(parts.subnets.clone()))
                    .node_role(&parts.node_role)
                    .set_launch_template(parts.launch_template.clone())
                    .client_request_token(&token)
                    .send()
            })
            .await;
        match created {
            Ok(answer) => {
                let status = answer
                    .nodegroup()
                    .map(convert::status_word)
                    .unwrap_or_else(|| "CREATING".into());
                progress.status(&format!("{status}: node group {name}"));
            }
            Err(Failure::Eks(e)) if e.is_in_use() => {
                return Err(ProviderError::Api {
                    call,
                    status: e.status.unwrap_or(409),
                    code: e.code,
                    message: format!(
                        "{} (a node group named {name} already exists in cluster {}: plan \
                         again)",
                        e.message, self.conn.cluster
                    ),
                })
            }
            Err(e) => return Err(e.into_provider(&call, self.endpoint())),
        }
        let operation = format!("CreateNodegroup {name}");
        retry::tracked(
            progress,
            &operation,
            wait::until_created(&self.conn, &call, name, &operation, deadline, progress),
        )
        .await
    }

    async fn update_pool(
        &self,
        name: &str,
        updates: &[PoolUpdate],
        progress: &dyn Progress,
    ) -> ProviderResult<()> {
        let call = format!("update node group {name}");
        let mut config = Vec::new();
        let mut template_version = None;
        let mut tags = None;
        // Everything is checked before anything is sent.
        for update in updates {
            match update {
                PoolUpdate::Labels(_) | PoolUpdate::Taints(_) | PoolUpdate::Scaling(_) => {
                    config.push(update)
                }
                PoolUpdate::Tags(wanted) => tags = Some(wanted),
                PoolUpdate::Extra {
                    field: Field::LaunchTemplateVersion,
                    value: ExtraValue::Text(version),
                } => template_version = Some(version.as_str()),
                other => {
                    return Err(ProviderError::Config(format!(
                        "poolctl bug: {call} was asked to change {other:?} in place, but EKS's \
                         capability table marks it for replacement"
                    )))
                }
            }
        }
        let deadline = self.call_deadline(progress);
        let mut group = self.live_group(&call, name, deadline, progress).await?;
        if !config.is_empty() {
            self.update_config(&call, name, &group, &config, deadline, progress)
                .await?;
        }
        if let Some(version) = template_version {
            if !config.is_empty() {
                group = self.live_group(&call, name, deadline, progress).await?;
            }
            self.update_template_version(&call, name, &group, version, deadline, progress)
                .await?;
        }
        if let Some(wanted) = tags {
            if !config.is_empty() || template_version.is_some() {
                group = self.live_group(&call, name, deadline, progress).await?;
            }
            self.update_tags(&call, &group, wanted, deadline, progress)
                .await?;
        }
        Ok(())
    }

    async fn delete_pool(&self, name: &str, progress: &dyn Progress) -> ProviderResult<()> {
        let call = format!("delete node group {name}");
        let deadline = self.call_deadline(progress);
        deadline.check(&call)?;
        let deleted = self
            .request(&call, "DeleteNodegroup", deadline)
            .run(progress, || {
                self.conn
                    .client
                    .delete_nodegroup()
                    .cluster_name(&self.conn.cluster)
                    .nodegroup_name(name)
                    .send()
            })
            .await;
        match deleted {
            Ok(answer) => {
                let status = answer
                    .nodegroup()
                    .map(convert::status_word)
                    .unwrap_or_else(|| "DELETING".into());
                progress.status(&format!("{status}: node group {name}"));
            }
            // Already gone: what a delete wants.
            Err(Failure::Eks(e)) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into_provider(&call, self.endpoint())),
        }
        let operation = format!("DeleteNodegroup {name}");
        retry::tracked(
            progress,
            &operation,
            wait::until_gone(&self.conn, &call, name, &operation, deadline, progress),
        )
        .await
    }

    async fn wait_for_pool(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> ProviderResult<Option<Health>> {
        let call = format!("wait for node group {name}");
        wait::while_busy(
            &self.conn,
            &call,
            name,
            self.call_deadline(progress),
            progress,
        )
        .await
    }
}

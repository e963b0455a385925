//! Waiting for EKS to finish: DescribeNodegroup polled until the group is ACTIVE (and,
//! after an update, shows what was asked: EKS may answer the first describe with the old
//! state, still ACTIVE), failed, or gone; DescribeUpdate polled alongside for an update's
//! own verdict where the endpoint has it. The pauses come from the connection's
//! [`poolctl_provider::retry::PollSchedule`]; the call's deadline ends the wait.

use crate::connect::Connection;
use crate::convert;
use crate::deltas::Sizes;
use crate::request::{Failure, Request};
use aws_sdk_eks::types::{Nodegroup, NodegroupStatus, Update, UpdateStatus};
use poolctl_provider::retry::{self, Deadline, Polls};
use poolctl_provider::{Health, PoolState, Progress, ProviderError, ProviderResult, Taint};
use std::collections::BTreeMap;

/// Describes after a create that may still answer "not found" (EKS reads are eventually
/// consistent) before poolctl believes the group is really not there.
const NOT_YET_VISIBLE_POLLS: u32 = 5;
/// Polls that may show an ACTIVE group without the requested settings after EKS has called
/// the update Successful, before poolctl reports the mismatch.
const STALE_AFTER_SUCCESS_POLLS: u32 = 10;

/// Sleeps before the next poll, or says that the call's deadline would pass first while
/// `operation` is still `status`.
async fn pause(
    polls: &mut Polls,
    deadline: &Deadline,
    call: &str,
    operation: &str,
    status: &str,
) -> ProviderResult<()> {
    polls
        .pause(deadline, None)
        .await
        .map_err(|_| retry::unfinished(call, operation, status, deadline))
}

/// DescribeNodegroup; `None` when EKS says the group does not exist.
pub(crate) async fn describe(
    conn: &Connection,
    call: &str,
    name: &str,
    deadline: Deadline,
    progress: &dyn Progress,
) -> ProviderResult<Option<Nodegroup>> {
    let request = Request {
        call,
        operation: "DescribeNodegroup",
        in_use_is_busy: false,
        deadline,
        retry: &conn.timing.retry,
    };
    let described = request
        .run(progress, || {
            conn.client
                .describe_nodegroup()
                .cluster_name(&conn.cluster)
                .nodegroup_name(name)
                .send()
        })
        .await;
    match described {
        Ok(answer) => match answer.nodegroup {
            Some(group) => Ok(Some(group)),
            None => Err(ProviderError::Protocol {
                call: call.to_string(),
                message: format!("DescribeNodegroup {name} answered without a nodegroup"),
            }),
        },
        Err(Failure::Eks(e)) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into_provider(call, &conn.endpoint)),
    }
}

/// After CreateNodegroup (the `operation`): until ACTIVE (or DEGRADED: it exists, with
/// the issues its health shows), or CREATE_FAILED with EKS's health issues.
pub(crate) async fn until_created(
    conn: &Connection,
    call: &str,
    name: &str,
    operation: &str,
    deadline: Deadline,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    let mut polls = conn.timing.polling.start();
    let mut unseen = 0u32;
    loop {
        let Some(group) = describe(conn, call, name, deadline, progress).await? else {
            unseen += 1;
            if unseen > NOT_YET_VISIBLE_POLLS {
                return Err(ProviderError::OperationFailed {
                    call: call.to_string(),
                    operation: operation.to_string(),
                    message: "EKS accepted the create, but the node group is not there".into(),
                });
            }
            pause(&mut polls, &deadline, call, operation, "not yet visible").await?;
            continue;
        };
        let status = convert::status_word(&group);
        match group.status() {
            Some(NodegroupStatus::Active) => return Ok(()),
            Some(NodegroupStatus::Degraded) => {
                progress.status(&format!("{}: node group {name}", convert::health(&group)));
                return Ok(());
            }
            Some(NodegroupStatus::Creating) => {}
            _ => return Err(failed(call, operation, &group)),
        }
        progress.status(&format!("{status}: node group {name}"));
        pause(&mut polls, &deadline, call, operation, &status).await?;
    }
}

/// What an update asked for, to recognise the node group that carries it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Requested {
    pub labels: Option<BTreeMap<String, String>>,
    pub taints: Option<Vec<Taint>>,
    pub sizes: Option<Sizes>,
    pub template_version: Option<String>,
}

impl Requested {
    pub(crate) fn met_by(&self, group: &Nodegroup) -> bool {
        if let Some(labels) = &self.labels {
            if &convert::live_labels(group) != labels {
                return false;
            }
        }
        if let Some(taints) = &self.taints {
            let mut wanted = taints.clone();
            wanted.sort();
            wanted.dedup();
            if convert::live_taints(group) != wanted {
                return false;
            }
        }
        if let Some(sizes) = &self.sizes {
            let (min, max, desired) = convert::live_sizes(group);
            if min != Some(sizes.min) || max != Some(sizes.max) {
                return false;
            }
            // Within the bounds is enough: the autoscaler may move it the moment it is set.
            if sizes.desired.is_some()
                && !desired.is_some_and(|d| (sizes.min..=sizes.max).contains(&d))
            {
                return false;
            }
        }
        if let Some(version) = &self.template_version {
            let live = group.launch_template().and_then(|t| t.version());
            if live != Some(version.as_str()) {
                return false;
            }
        }
        true
    }
}

/// After UpdateNodegroupConfig or UpdateNodegroupVersion: until the group is ACTIVE and
/// shows what was asked, or the update (DescribeUpdate) failed or was cancelled.
/// `operation` names it in messages: its update id when EKS gave one.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn until_updated(
    conn: &Connection,
    call: &str,
    name: &str,
    update_id: Option<&str>,
    operation: &str,
    requested: &Requested,
    deadline: Deadline,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    let mut polls = conn.timing.polling.start();
    let mut ask_update = update_id.is_some();
    let mut update_status = String::new();
    let mut stale_after_success = 0u32;
    loop {
        if let (true, Some(id)) = (ask_update, update_id) {
            match describe_update(conn, call, name, id, deadline, progress).await? {
                Some(update) => {
                    let status = update.status().cloned();
                    update_status = status
                        .as_ref()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default();
                    if matches!(status, Some(UpdateStatus::Failed | UpdateStatus::Cancelled)) {
                        return Err(ProviderError::OperationFailed {
                            call: call.to_string(),
                            operation: id.to_string(),
                            message: update_errors(&update, &update_status),
                        });
                    }
                }
                None => ask_update = false,
            }
        }
        let Some(group) = describe(conn, call, name, deadline, progress).await? else {
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: operation.to_string(),
                message: format!("node group {name} disappeared during the update"),
            });
        };
        let status = convert::status_word(&group);
        let settled = matches!(
            group.status(),
            Some(NodegroupStatus::Active | NodegroupStatus::Degraded)
        );
        if settled && requested.met_by(&group) {
            return Ok(());
        }
        if !settled && !matches!(group.status(), Some(NodegroupStatus::Updating)) {
            return Err(failed(call, operation, &group));
        }
        if settled && update_status == UpdateStatus::Successful.as_str() {
            stale_after_success += 1;
            if stale_after_success > STALE_AFTER_SUCCESS_POLLS {
                return Err(ProviderError::OperationFailed {
                    call: call.to_string(),
                    operation: operation.to_string(),
                    message: format!(
                        "EKS reports the update Successful, but node group {name} does not \
                         show the requested settings: something else changed it meanwhile; \
                         plan again to see what it is now"
                    ),
                });
            }
        }
        progress.status(&match (update_id, update_status.is_empty()) {
            (Some(id), false) => {
                format!("{status}: node group {name} (update {id}: {update_status})")
            }
            (Some(id), true) => format!("{status}: node group {name} (update {id})"),
            (None, _) => format!("{status}: node group {name}"),
        });
        pause(&mut polls, &deadline, call, operation, &status).await?;
    }
}

/// DescribeUpdate; `None` when the endpoint has no such operation (moto), so that the
/// caller follows the node group alone.
async fn describe_update(
    conn: &Connection,
    call: &str,
    name: &str,
    id: &str,
    deadline: Deadline,
    progress: &dyn Progress,
) -> ProviderResult<Option<Update>> {
    let request = Request {
        call,
        operation: "DescribeUpdate",
        in_use_is_busy: false,
        deadline,
        retry: &conn.timing.retry,
    };
    let described = request
        .run(progress, || {
            conn.client
                .describe_update()
                .name(&conn.cluster)
                .nodegroup_name(name)
                .update_id(id)
                .send()
        })
        .await;
    match described {
        Ok(answer) => Ok(answer.update),
        Err(failure) if failure.eks().is_some_and(|e| e.is_unknown_operation()) => {
            tracing::info!(
                "{} has no DescribeUpdate ({}); following node group {name} alone",
                conn.endpoint,
                failure.eks().map(|e| e.summary()).unwrap_or_default()
            );
            Ok(None)
        }
        Err(e) => Err(e.into_provider(call, &conn.endpoint)),
    }
}

/// An update's errors, `errorCode: errorMessage (resource ids)`, joined by `; `.
fn update_errors(update: &Update, status: &str) -> String {
    let errors: Vec<String> = update
        .errors()
        .iter()
        .map(|e| {
            let mut text = format!(
                "{}: {}",
                e.error_code().map(|c| c.as_str()).unwrap_or("Unknown"),
                e.error_message().unwrap_or_default()
            );
            if !e.resource_ids().is_empty() {
                text.push_str(&format!(" ({})", e.resource_ids().join(", ")));
            }
            text
        })
        .collect();
    if errors.is_empty() {
        format!("the update ended {status}")
    } else {
        format!("the update ended {status}: {}", errors.join("; "))
    }
}

/// After DeleteNodegroup (the `operation`): until EKS no longer knows the group, or
/// DELETE_FAILED.
pub(crate) async fn until_gone(
    conn: &Connection,
    call: &str,
    name: &str,
    operation: &str,
    deadline: Deadline,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    let mut polls = conn.timing.polling.start();
    loop {
        let Some(group) = describe(conn, call, name, deadline, progress).await? else {
            return Ok(());
        };
        let status = convert::status_word(&group);
        if matches!(group.status(), Some(NodegroupStatus::DeleteFailed)) {
            return Err(failed(call, operation, &group));
        }
        progress.status(&format!("{status}: node group {name}"));
        pause(&mut polls, &deadline, call, operation, &status).await?;
    }
}

/// While CREATING, UPDATING or DELETING; `None` once the group is gone.
pub(crate) async fn while_busy(
    conn: &Connection,
    call: &str,
    name: &str,
    deadline: Deadline,
    progress: &dyn Progress,
) -> ProviderResult<Option<Health>> {
    let mut polls = conn.timing.polling.start();
    loop {
        let Some(group) = describe(conn, call, name, deadline, progress).await? else {
            return Ok(None);
        };
        let health = convert::health(&group);
        if health.state != PoolState::Busy {
            return Ok(Some(health));
        }
        progress.status(&format!("{}: node group {name}", health.status));
        let busy = format!("node group {name} ({})", health.status);
        pause(&mut polls, &deadline, call, &busy, &health.status).await?;
    }
}

/// A group in a state the operation cannot end well from, with EKS's health issues.
fn failed(call: &str, operation: &str, group: &Nodegroup) -> ProviderError {
    ProviderError::OperationFailed {
        call: call.to_string(),
        operation: operation.to_string(),
        message: convert::health(group).to_string(),
    }
}

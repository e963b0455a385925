//! ARM long-running operations: after a PUT or DELETE that AKS carries out in the
//! background, poll the `Azure-AsyncOperation` URL (its `status` goes `InProgress` →
//! `Succeeded`/`Failed`/`Canceled`), else the `Location` URL (202 while running, 200/204
//! when done), else the pool itself, until it ends or the call's deadline passes. The
//! operation's URL (or the pool's name and state) goes to the caller's progress while
//! poolctl waits on it.

use crate::client::{Answer, Bounds, Call, Client};
use crate::convert;
use crate::wire::{AgentPool, AsyncOperation};
use poolctl_provider::retry::{self, PollSchedule, Polls};
use poolctl_provider::{ProviderError, ProviderResult};
use reqwest::StatusCode;
use std::time::Duration;

/// What to watch when ARM named no operation URL.
pub(crate) enum Fallback<'a> {
    /// After a PUT: the pool's `provisioningState` until it leaves the in-progress words.
    PoolSettles { name: &'a str, url: &'a str },
    /// After a DELETE: the pool until it is gone (404).
    PoolGone { name: &'a str, url: &'a str },
}

/// One wait: the call it belongs to, the operation's id as reported, and its polls.
struct Wait<'a> {
    client: &'a Client,
    call: &'a str,
    operation: &'a str,
    polls: Polls,
    bounds: Bounds<'a>,
}

impl Wait<'_> {
    /// Sleeps before the next poll, or reports that the deadline would pass first.
    async fn pause(&mut self, retry_after: Option<Duration>, status: &str) -> ProviderResult<()> {
        self.polls
            .pause(&self.bounds.deadline, retry_after)
            .await
            .map_err(|_| {
                retry::unfinished(self.call, self.operation, status, &self.bounds.deadline)
            })
    }
}

/// The operation's id for messages: the last path segment of its URL.
fn operation_id(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// Waits for the operation that `started` (the answer to a PUT or DELETE) began.
pub(crate) async fn wait(
    client: &Client,
    polling: PollSchedule,
    call: &str,
    started: &Answer,
    fallback: Fallback<'_>,
    bounds: Bounds<'_>,
) -> ProviderResult<()> {
    let async_operation = started.header("azure-asyncoperation");
    let location = started.header("location");
    let (id, url) = match (async_operation.or(location), &fallback) {
        (Some(link), _) => (link.to_string(), client.follow(call, link)?),
        (None, Fallback::PoolSettles { name, url } | Fallback::PoolGone { name, url }) => {
            let state = started
                .json::<AgentPool>(call)
                .ok()
                .and_then(|pool| pool.properties.provisioning_state)
                .filter(|state| !state.is_empty())
                .unwrap_or_else(|| match fallback {
                    Fallback::PoolSettles { .. } => "Accepted".into(),
                    Fallback::PoolGone { .. } => "Deleting".into(),
                });
            (format!("agent pool {name} ({state})"), url.to_string())
        }
    };
    let mut wait = Wait {
        client,
        call,
        operation: &id,
        polls: polling.start(),
        bounds,
    };
    let polled = async {
        if async_operation.is_some() {
            poll_async_operation(&mut wait, &url, started).await
        } else if location.is_some() {
            poll_location(&mut wait, &url, started).await
        } else {
            match fallback {
                Fallback::PoolSettles { .. } => poll_pool_settles(&mut wait, &url, started).await,
                Fallback::PoolGone { .. } => poll_pool_gone(&mut wait, &url, started).await,
            }
        }
    };
    retry::tracked(bounds.progress, &id, polled).await
}

async fn poll_async_operation(
    wait: &mut Wait<'_>,
    url: &str,
    started: &Answer,
) -> ProviderResult<()> {
    let call = wait.call;
    let mut retry_after = started.retry_after();
    let mut status = "Accepted".to_string();
    let mut id = operation_id(url);
    loop {
        wait.pause(retry_after, &status).await?;
        let answer = wait.client.send(&Call::get(call, url), wait.bounds).await?;
        let operation: AsyncOperation = answer.json(call)?;
        if let Some(name) = operation.name.filter(|n| !n.is_empty()) {
            id = name;
        }
        status = operation.status;
        wait.bounds
            .progress
            .status(&format!("{status}: {call} (operation {id})"));
        match status.to_ascii_lowercase().as_str() {
            "succeeded" => return Ok(()),
            "failed" | "canceled" | "cancelled" => {
                let message = operation
                    .error
                    .map(|e| {
                        let text = e.full_message();
                        match (e.code.is_empty(), text.is_empty()) {
                            (false, false) => format!("{}: {text}", e.code),
                            (false, true) => e.code,
                            _ => text,
                        }
                    })
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| format!("the operation ended {status}"));
                return Err(ProviderError::OperationFailed {
                    call: call.to_string(),
                    operation: id,
                    message,
                });
            }
            _ => retry_after = answer.retry_after(),
        }
    }
}

async fn poll_location(wait: &mut Wait<'_>, url: &str, started: &Answer) -> ProviderResult<()> {
    let call = wait.call;
    let mut retry_after = started.retry_after();
    let id = operation_id(url);
    loop {
        wait.pause(retry_after, "running").await?;
        let answer = wait.client.send(&Call::get(call, url), wait.bounds).await?;
        if answer.status != StatusCode::ACCEPTED {
            wait.bounds.progress.status(&format!("done: {call}"));
            return Ok(());
        }
        wait.bounds
            .progress
            .status(&format!("running: {call} (operation {id})"));
        retry_after = answer.retry_after();
    }
}

/// Reads the pool; `None` when it does not exist.
pub(crate) async fn get_pool(
    client: &Client,
    call: &str,
    url: &str,
    bounds: Bounds<'_>,
) -> ProviderResult<Option<(AgentPool, Answer)>> {
    match client.send(&Call::get(call, url), bounds).await {
        Ok(answer) => Ok(Some((answer.json(call)?, answer))),
        Err(ProviderError::Api { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn poll_pool_settles(wait: &mut Wait<'_>, url: &str, started: &Answer) -> ProviderResult<()> {
    let call = wait.call;
    let mut retry_after = started.retry_after();
    let mut state = "Accepted".to_string();
    loop {
        wait.pause(retry_after, &state).await?;
        let Some((pool, answer)) = get_pool(wait.client, call, url, wait.bounds).await? else {
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: wait.operation.to_string(),
                message: "the pool disappeared while poolctl waited for it".into(),
            });
        };
        state = pool
            .properties
            .provisioning_state
            .clone()
            .unwrap_or_default();
        wait.bounds.progress.status(&format!("{state}: {call}"));
        if !convert::is_in_progress(&state) || state.is_empty() {
            let health = convert::health_from_wire(&pool);
            if health.state == poolctl_provider::PoolState::Failed {
                return Err(ProviderError::OperationFailed {
                    call: call.to_string(),
                    operation: wait.operation.to_string(),
                    message: health.to_string(),
                });
            }
            return Ok(());
        }
        retry_after = answer.retry_after();
    }
}

async fn poll_pool_gone(wait: &mut Wait<'_>, url: &str, started: &Answer) -> ProviderResult<()> {
    let call = wait.call;
    let mut retry_after = started.retry_after();
    let mut state = "Deleting".to_string();
    loop {
        wait.pause(retry_after, &state).await?;
        let Some((pool, answer)) = get_pool(wait.client, call, url, wait.bounds).await? else {
            return Ok(());
        };
        state = pool
            .properties
            .provisioning_state
            .clone()
            .unwrap_or_default();
        wait.bounds.progress.status(&format!("{state}: {call}"));
        if !convert::is_in_progress(&state) {
            // Still there and no longer deleting: the delete ended without removing it.
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: wait.operation.to_string(),
                message: format!(
                    "the pool is {}, not deleted",
                    convert::health_from_wire(&pool)
                ),
            });
        }
        retry_after = answer.retry_after();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_come_from_the_url() {
        assert_eq!(
            operation_id("https://management.azure.com/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/operationresults/abc-1?api-version=2026-08-01"),
            "abc-1"
        );
    }
}

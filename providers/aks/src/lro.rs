//! ARM long-running operations: after a PUT or DELETE that AKS carries out in the
//! background, poll the `Azure-AsyncOperation` URL (its `status` goes `InProgress` →
//! `Succeeded`/`Failed`/`Canceled`), else the `Location` URL (202 while running, 200/204
//! when done), else the pool itself, until it ends or the operation deadline passes.

use crate::client::{Answer, Call, Client};
use crate::convert;
use crate::wire::{AgentPool, AsyncOperation};
use poolctl_provider::{Progress, ProviderError, ProviderResult};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// How often to poll and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// First pause, and the pause after a poll that had no `Retry-After`; it doubles up to
    /// `max`.
    pub first: Duration,
    /// `Retry-After` is honoured within `[min, max]`.
    pub min: Duration,
    pub max: Duration,
    /// How long one operation may run before poolctl stops waiting for it. Polls stop
    /// then, so an operation gets at most `timeout / min` polls.
    pub timeout: Duration,
}

/// What to watch when ARM named no operation URL.
pub(crate) enum Fallback<'a> {
    /// After a PUT: the pool's `provisioningState` until it leaves the in-progress words.
    PoolSettles { url: &'a str },
    /// After a DELETE: the pool until it is gone (404).
    PoolGone { url: &'a str },
}

/// The pauses between polls.
struct Pace {
    pacing: Pacing,
    next: Duration,
    started: Instant,
}

impl Pace {
    fn new(pacing: Pacing) -> Self {
        Pace {
            pacing,
            next: pacing.first,
            started: Instant::now(),
        }
    }

    /// Sleeps before the next poll, or reports that the deadline has passed.
    async fn pause(
        &mut self,
        retry_after: Option<Duration>,
        call: &str,
        operation: &str,
        status: &str,
    ) -> ProviderResult<()> {
        let delay = match retry_after {
            Some(asked) => asked.clamp(self.pacing.min, self.pacing.max),
            None => {
                let delay = self.next;
                self.next = (self.next * 2).min(self.pacing.max);
                delay
            }
        };
        if self.started.elapsed() + delay > self.pacing.timeout {
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: operation.to_string(),
                message: format!(
                    "still {status} after {} s, longer than poolctl waits for one operation; \
                     it may yet finish: check the pool before retrying",
                    self.started.elapsed().as_secs()
                ),
            });
        }
        tokio::time::sleep(delay).await;
        Ok(())
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
    pacing: Pacing,
    call: &str,
    started: &Answer,
    fallback: Fallback<'_>,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    if let Some(link) = started.header("azure-asyncoperation") {
        let url = client.follow(call, link)?;
        return poll_async_operation(client, pacing, call, &url, started, progress).await;
    }
    if let Some(link) = started.header("location") {
        let url = client.follow(call, link)?;
        return poll_location(client, pacing, call, &url, started, progress).await;
    }
    match fallback {
        Fallback::PoolSettles { url } => {
            poll_pool_settles(client, pacing, call, url, started, progress).await
        }
        Fallback::PoolGone { url } => {
            poll_pool_gone(client, pacing, call, url, started, progress).await
        }
    }
}

async fn poll_async_operation(
    client: &Client,
    pacing: Pacing,
    call: &str,
    url: &str,
    started: &Answer,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    let mut pace = Pace::new(pacing);
    let mut retry_after = started.retry_after();
    let mut status = "Accepted".to_string();
    let mut id = operation_id(url);
    loop {
        pace.pause(retry_after, call, &id, &status).await?;
        let answer = client.send(&Call::get(call, url), progress).await?;
        let operation: AsyncOperation = answer.json(call)?;
        if let Some(name) = operation.name.filter(|n| !n.is_empty()) {
            id = name;
        }
        status = operation.status;
        progress.status(&format!("{status}: {call} (operation {id})"));
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

async fn poll_location(
    client: &Client,
    pacing: Pacing,
    call: &str,
    url: &str,
    started: &Answer,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    let mut pace = Pace::new(pacing);
    let mut retry_after = started.retry_after();
    let id = operation_id(url);
    loop {
        pace.pause(retry_after, call, &id, "running").await?;
        let answer = client.send(&Call::get(call, url), progress).await?;
        if answer.status != StatusCode::ACCEPTED {
            progress.status(&format!("done: {call}"));
            return Ok(());
        }
        progress.status(&format!("running: {call} (operation {id})"));
        retry_after = answer.retry_after();
    }
}

/// Reads the pool; `None` when it does not exist.
pub(crate) async fn get_pool(
    client: &Client,
    call: &str,
    url: &str,
    progress: &dyn Progress,
) -> ProviderResult<Option<(AgentPool, Answer)>> {
    match client.send(&Call::get(call, url), progress).await {
        Ok(answer) => Ok(Some((answer.json(call)?, answer))),
        Err(ProviderError::Api { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn poll_pool_settles(
    client: &Client,
    pacing: Pacing,
    call: &str,
    url: &str,
    started: &Answer,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    let mut pace = Pace::new(pacing);
    let mut retry_after = started.retry_after();
    let mut state = "Accepted".to_string();
    loop {
        pace.pause(retry_after, call, "provisioningState", &state)
            .await?;
        let Some((pool, answer)) = get_pool(client, call, url, progress).await? else {
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: "provisioningState".into(),
                message: "the pool disappeared while poolctl waited for it".into(),
            });
        };
        state = pool
            .properties
            .provisioning_state
            .clone()
            .unwrap_or_default();
        progress.status(&format!("{state}: {call}"));
        if !convert::is_in_progress(&state) || state.is_empty() {
            let health = convert::health_from_wire(&pool);
            if health.state == poolctl_provider::PoolState::Failed {
                return Err(ProviderError::OperationFailed {
                    call: call.to_string(),
                    operation: "provisioningState".into(),
                    message: health.to_string(),
                });
            }
            return Ok(());
        }
        retry_after = answer.retry_after();
    }
}

async fn poll_pool_gone(
    client: &Client,
    pacing: Pacing,
    call: &str,
    url: &str,
    started: &Answer,
    progress: &dyn Progress,
) -> ProviderResult<()> {
    let mut pace = Pace::new(pacing);
    let mut retry_after = started.retry_after();
    let mut state = "Deleting".to_string();
    loop {
        pace.pause(retry_after, call, "provisioningState", &state)
            .await?;
        let Some((pool, answer)) = get_pool(client, call, url, progress).await? else {
            return Ok(());
        };
        state = pool
            .properties
            .provisioning_state
            .clone()
            .unwrap_or_default();
        progress.status(&format!("{state}: {call}"));
        if !convert::is_in_progress(&state) {
            // Still there and no longer deleting: the delete ended without removing it.
            return Err(ProviderError::OperationFailed {
                call: call.to_string(),
                operation: "provisioningState".into(),
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

    #[tokio::test]
    async fn retry_after_is_clamped_and_the_deadline_is_kept() {
        let pacing = Pacing {
            first: Duration::from_millis(1),
            min: Duration::from_millis(1),
            max: Duration::from_millis(5),
            timeout: Duration::from_millis(30),
        };
        let mut pace = Pace::new(pacing);
        let started = Instant::now();
        // Retry-After: 60 is cut to the 5 ms cap.
        pace.pause(Some(Duration::from_secs(60)), "c", "op", "InProgress")
            .await
            .expect("within deadline");
        assert!(started.elapsed() < Duration::from_secs(1));
        let mut polls = 0;
        let err = loop {
            match pace.pause(None, "c", "op", "InProgress").await {
                Ok(()) => polls += 1,
                Err(e) => break e,
            }
        };
        assert!(polls <= 30, "{polls}");
        assert!(err.to_string().contains("still InProgress"), "{err}");
    }
}

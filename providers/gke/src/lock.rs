//! The cluster lock's records on GKE: the cluster's `resourceLabels`.
//!
//! `projects.locations.clusters.setResourceLabels` replaces the whole map, but only when the
//! request's `labelFingerprint` is the cluster's current one. So one record is added or removed
//! by read-modify-write: read the cluster (its labels and fingerprint), change that one key, send
//! the whole map with the fingerprint read. When anyone changed the labels in between, GKE
//! refuses with 400 FAILED_PRECONDITION ("Labels could not be set due to fingerprint mismatch")
//! and nothing is written; the write starts again from a fresh read. A label written by someone
//! else is therefore never lost. The call returns an Operation (`SET_LABELS`), which is waited for.
//!
//! The refusal says "try again", but resending it as it was would meet the same stale
//! fingerprint: the client does not take it for GKE's "busy" answer, and this module
//! starts again from a fresh read, within the provider's retry budget.

use crate::wire::Operation;
use crate::GkeProvider;
use poolctl_provider::retry::{self, Attempt};
use poolctl_provider::{NoProgress, ProviderError, ProviderResult, LOCK_KEY_PREFIX};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The parts of a Cluster that the lock reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClusterLabels {
    #[serde(default)]
    resource_labels: BTreeMap<String, String>,
    #[serde(default)]
    label_fingerprint: String,
}

/// `SetLabelsRequest` (container v1): the whole new map and the fingerprint it replaces.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SetLabelsRequest {
    resource_labels: BTreeMap<String, String>,
    label_fingerprint: String,
}

impl GkeProvider {
    pub(crate) async fn read_lock_records(&self) -> ProviderResult<BTreeMap<String, String>> {
        let labels = self
            .cluster_labels("read the cluster's lock labels")
            .await?;
        Ok(labels
            .resource_labels
            .into_iter()
            .filter(|(key, _)| key.starts_with(LOCK_KEY_PREFIX))
            .collect())
    }

    pub(crate) async fn write_lock_record(&self, key: &str, value: &str) -> ProviderResult<()> {
        self.change_labels(&format!("write the cluster label {key}"), |labels| {
            if labels.get(key).map(String::as_str) == Some(value) {
                return false;
            }
            labels.insert(key.to_string(), value.to_string());
            true
        })
        .await
    }

    pub(crate) async fn delete_lock_record(&self, key: &str) -> ProviderResult<()> {
        self.change_labels(&format!("remove the cluster label {key}"), |labels| {
            labels.remove(key).is_some()
        })
        .await
    }

    async fn cluster_labels(&self, call: &str) -> ProviderResult<ClusterLabels> {
        self.client
            .call(
                call,
                Method::GET,
                &self.cluster_url,
                None::<&()>,
                self.read_bounds(),
            )
            .await
    }

    /// Read, `change` (false: nothing to change), write with the fingerprint read; again from
    /// the read while someone else's write came in between.
    async fn change_labels(
        &self,
        call: &str,
        change: impl Fn(&mut BTreeMap<String, String>) -> bool,
    ) -> ProviderResult<()> {
        let url = format!("{}:setResourceLabels", self.cluster_url);
        let bounds = self.read_bounds();
        let change = &change;
        let url = &url;
        retry::run(
            call,
            &self.options.retry,
            &bounds.deadline,
            &NoProgress,
            |_| async move {
                let current = match self.cluster_labels(call).await {
                    Ok(current) => current,
                    Err(err) => return Attempt::Fail(err),
                };
                let mut labels = current.resource_labels;
                if !change(&mut labels) {
                    return Attempt::Done(());
                }
                let body = SetLabelsRequest {
                    resource_labels: labels,
                    label_fingerprint: current.label_fingerprint,
                };
                let sent = self
                    .client
                    .call::<_, Operation>(call, Method::POST, url, Some(&body), bounds)
                    .await;
                match sent {
                    Ok(operation) => match self.wait(call, operation, bounds).await {
                        Ok(()) => Attempt::Done(()),
                        Err(err) => Attempt::Fail(err),
                    },
                    Err(err) if is_fingerprint_mismatch(&err) => Attempt::Retry {
                        reason: "the cluster's labels changed meanwhile; reading them again".into(),
                        retry_after: None,
                    },
                    Err(err) => Attempt::Fail(err),
                }
            },
        )
        .await
    }
}

/// GKE's refusal of a stale `labelFingerprint`, whether the client reported it as an error or,
/// taking it for a "try again", as retries given up.
fn is_fingerprint_mismatch(err: &ProviderError) -> bool {
    match err {
        ProviderError::Api {
            status: 400,
            code,
            message,
            ..
        } => code == "FAILED_PRECONDITION" && message.contains("fingerprint"),
        ProviderError::RetriesExhausted { last, .. } => {
            last.contains("FAILED_PRECONDITION") && last.contains("fingerprint")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_fingerprint_is_told_from_other_refusals() {
        let message = "Labels could not be set due to fingerprint mismatch; try again with the \
                       proper fingerprint: incorrect fingerprint supplied was \"\", the expected \
                       one is \"a9dc16a7\".";
        assert!(is_fingerprint_mismatch(&ProviderError::Api {
            call: "c".into(),
            status: 400,
            code: "FAILED_PRECONDITION".into(),
            message: message.into(),
        }));
        assert!(is_fingerprint_mismatch(&ProviderError::RetriesExhausted {
            call: "c".into(),
            attempts: 1,
            seconds: 0,
            last: format!("400 FAILED_PRECONDITION: {message}"),
        }));
        assert!(!is_fingerprint_mismatch(&ProviderError::RetriesExhausted {
            call: "c".into(),
            attempts: 1,
            seconds: 0,
            last: "429 RESOURCE_EXHAUSTED: Too many operations".into(),
        }));
        assert!(!is_fingerprint_mismatch(&ProviderError::Api {
            call: "c".into(),
            status: 400,
            code: "INVALID_ARGUMENT".into(),
            message: "bad label".into(),
        }));
    }
}

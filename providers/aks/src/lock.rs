//! The cluster lock's records on AKS: tags of the managed cluster, written through ARM's Tags
//! API on the cluster's scope, `{clusterId}/providers/Microsoft.Resources/tags/default` at
//! api-version [`TAGS_API_VERSION`] ("Tags - Get At Scope", "Tags - Update At Scope").
//!
//! Why this call rather than the managed cluster's own tags (`PATCH managedClusters/{c}` with
//! `{"tags": {...}}`, guarded by `If-Match` with the cluster's eTag):
//! - `{"operation": "Merge"}` adds or replaces only the tags it names and `{"operation":
//!   "Delete"}` removes only those: ARM applies the change to the tags as they are when the
//!   request lands, so there is no read-modify-write on poolctl's side and no window in which
//!   another writer's tag could be lost. The lock's write-own-key protocol needs no more than
//!   that. The cluster's own PATCH replaces the whole tag set, so it would need the eTag loop
//!   (read, change, write with `If-Match`, again on 412) to be as safe.
//! - It needs only the permission to tag (`Microsoft.Resources/tags/read` and `/write`, as in
//!   the built-in Tag Contributor role), not the right to change the cluster itself.
//!
//! ARM hands a tag change on a resource to its provider: if AKS answers it as a long-running
//! operation (202 with `Location` or `Azure-AsyncOperation`), it is waited for like any other;
//! AKS's "another operation is in progress" (409) is retried by the client.
//!
//! Deleting sends the record's current value with its name: the reference says Delete goes "by
//! names or name/value pairs", and the pair read just before is right under either reading.

use crate::client::Call;
use crate::lro::{self, Fallback};
use crate::AksProvider;
use poolctl_provider::{ProviderResult, LOCK_KEY_PREFIX};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The api-version of ARM's Tags API (Microsoft.Resources) that poolctl speaks.
pub(crate) const TAGS_API_VERSION: &str = "2021-04-01";

/// `TagsResource`: `{"id", "name": "default", "type", "properties": {"tags": {...}}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TagsResource {
    properties: TagsProperties,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TagsProperties {
    tags: Option<BTreeMap<String, String>>,
}

impl AksProvider {
    /// `{clusterId}/providers/Microsoft.Resources/tags/default?api-version=2021-04-01`.
    fn tags_url(&self) -> String {
        let mut url = self.cluster.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.extend(["providers", "Microsoft.Resources", "tags", "default"]);
        }
        url.query_pairs_mut()
            .append_pair("api-version", TAGS_API_VERSION);
        url.to_string()
    }

    async fn cluster_tags(&self, call: &str) -> ProviderResult<BTreeMap<String, String>> {
        let tags: TagsResource = self
            .client
            .get_json(call, &self.tags_url(), self.read_bounds())
            .await?;
        Ok(tags.properties.tags.unwrap_or_default())
    }

    pub(crate) async fn read_lock_records(&self) -> ProviderResult<BTreeMap<String, String>> {
        let tags = self.cluster_tags("read the cluster's lock tags").await?;
        Ok(tags
            .into_iter()
            .filter(|(key, _)| key.starts_with(LOCK_KEY_PREFIX))
            .collect())
    }

    pub(crate) async fn write_lock_record(&self, key: &str, value: &str) -> ProviderResult<()> {
        let call = format!("write the cluster tag {key}");
        self.patch_tags(&call, "Merge", key, value).await
    }

    pub(crate) async fn delete_lock_record(&self, key: &str) -> ProviderResult<()> {
        let call = format!("remove the cluster tag {key}");
        let tags = self.cluster_tags(&call).await?;
        // ARM compares tag names without case.
        let Some((name, value)) = tags.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) else {
            return Ok(());
        };
        self.patch_tags(&call, "Delete", name, value).await
    }

    /// "Tags - Update At Scope" with one tag; sending it twice does no harm, so the client
    /// may repeat it.
    async fn patch_tags(
        &self,
        call: &str,
        operation: &str,
        key: &str,
        value: &str,
    ) -> ProviderResult<()> {
        let url = self.tags_url();
        let body = json!({"operation": operation, "properties": {"tags": {key: value}}});
        let answer = self
            .client
            .send(
                &Call {
                    what: call,
                    method: Method::PATCH,
                    url: &url,
                    body: Some(&body),
                    if_match: None,
                    if_none_match_any: false,
                    repeatable: true,
                },
                self.read_bounds(),
            )
            .await?;
        if answer.status == StatusCode::ACCEPTED {
            let fallback = Fallback::PoolSettles {
                name: "cluster tags",
                url: &url,
            };
            lro::wait(
                &self.client,
                self.polling,
                call,
                &answer,
                fallback,
                self.read_bounds(),
            )
            .await?;
        }
        Ok(())
    }
}

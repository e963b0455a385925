//! The cluster lock's records on EKS: tags on the cluster's ARN (from DescribeCluster), read
//! with ListTagsForResource and written with TagResource and UntagResource. Both writes name
//! the keys they change and leave every other tag as it is, so a record is added or removed
//! without reading first and without touching anyone else's tag. EKS offers no compare-and-swap
//! on tags; the lock's write-own-key protocol does not need one.

use crate::EksProvider;
use poolctl_provider::{NoProgress, ProviderError, ProviderResult, LOCK_KEY_PREFIX};
use std::collections::BTreeMap;

impl EksProvider {
    /// The cluster's ARN, which the tag calls take.
    async fn cluster_arn(&self, call: &str) -> ProviderResult<String> {
        let deadline = self.read_deadline();
        let answer = self
            .request(call, "DescribeCluster", deadline)
            .run(&NoProgress, || {
                self.conn
                    .client
                    .describe_cluster()
                    .name(&self.conn.cluster)
                    .send()
            })
            .await
            .map_err(|e| self.cluster_error(e, call))?;
        answer
            .cluster()
            .and_then(|c| c.arn())
            .filter(|arn| !arn.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Protocol {
                call: call.to_string(),
                message: "DescribeCluster answered without the cluster's arn".into(),
            })
    }

    pub(crate) async fn read_lock_records(&self) -> ProviderResult<BTreeMap<String, String>> {
        let call = "read the cluster's lock tags";
        let arn = self.cluster_arn(call).await?;
        let deadline = self.read_deadline();
        let answer = self
            .request(call, "ListTagsForResource", deadline)
            .run(&NoProgress, || {
                self.conn
                    .client
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
            })
            .await
            .map_err(|e| e.into_provider(call, self.endpoint()))?;
        Ok(answer
            .tags()
            .into_iter()
            .flatten()
            .filter(|(key, _)| key.starts_with(LOCK_KEY_PREFIX))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    pub(crate) async fn write_lock_record(&self, key: &str, value: &str) -> ProviderResult<()> {
        let call = format!("write the cluster tag {key}");
        let arn = self.cluster_arn(&call).await?;
        let deadline = self.read_deadline();
        self.request(&call, "TagResource", deadline)
            .run(&NoProgress, || {
                self.conn
                    .client
                    .tag_resource()
                    .resource_arn(&arn)
                    .tags(key, value)
                    .send()
            })
            .await
            .map_err(|e| e.into_provider(&call, self.endpoint()))?;
        Ok(())
    }

    pub(crate) async fn delete_lock_record(&self, key: &str) -> ProviderResult<()> {
        let call = format!("remove the cluster tag {key}");
        let arn = self.cluster_arn(&call).await?;
        let deadline = self.read_deadline();
        // UntagResource of a key the resource does not carry succeeds.
        self.request(&call, "UntagResource", deadline)
            .run(&NoProgress, || {
                self.conn
                    .client
                    .untag_resource()
                    .resource_arn(&arn)
                    .tag_keys(key)
                    .send()
            })
            .await
            .map_err(|e| e.into_provider(&call, self.endpoint()))?;
        Ok(())
    }
}

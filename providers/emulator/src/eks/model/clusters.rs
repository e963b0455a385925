//! EKS clusters: the control API's spec, creation (explicit, or on first use with
//! `auto_create_clusters`) and lookup by (region, name). Only what node groups need is modelled.

use serde::{Deserialize, Serialize};

use super::{Cluster, ClusterAt, EksError, Model};

/// The Kubernetes version of a cluster created without one (and on first use).
pub(crate) const DEFAULT_VERSION: &str = "1.33";

/// A cluster to create through the control API (`POST /_emulator/eks/clusters`), or implicitly
/// with `auto_create_clusters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EksClusterSpec {
    /// AWS region, such as `eu-west-1`: requests reach the cluster with this region in their
    /// SigV4 credential scope (`us-east-1` when they carry none).
    pub region: String,
    pub name: String,
    /// Kubernetes `major.minor`; `1.33` when unset.
    #[serde(default)]
    pub version: Option<String>,
}

/// EKS cluster names: 1-100 characters, a letter or digit first, then letters, digits, `-`, `_`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 100
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(super) fn valid_version(version: &str) -> bool {
    let mut parts = version.split('.');
    let number = |part: Option<&str>| {
        part.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    number(parts.next()) && number(parts.next()) && parts.next().is_none()
}

impl Model {
    pub(crate) fn create_cluster(
        &mut self,
        spec: &EksClusterSpec,
        now: u64,
    ) -> Result<&Cluster, EksError> {
        if spec.region.is_empty()
            || !spec
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(EksError::invalid(format!(
                "The region {:?} is not a valid AWS region name.",
                spec.region
            )));
        }
        if !valid_name(&spec.name) {
            return Err(EksError::invalid(format!(
                "The cluster name {:?} is invalid: 1-100 characters, a letter or digit first, then letters, digits, hyphens and underscores.",
                spec.name
            )));
        }
        let version = spec.version.as_deref().unwrap_or(DEFAULT_VERSION);
        if !valid_version(version) {
            return Err(EksError::invalid(format!(
                "The Kubernetes version {version:?} is invalid: expected major.minor, such as 1.33."
            )));
        }
        if self.find_cluster(&spec.region, &spec.name).is_some() {
            return Err(EksError::new(
                409,
                "ResourceInUseException",
                format!("Cluster already exists with name: {}", spec.name),
            )
            .on(&spec.name, None));
        }
        self.state.clusters.push(Cluster {
            region: spec.region.clone(),
            name: spec.name.clone(),
            version: version.to_string(),
            create_millis: now,
            tags: Default::default(),
            nodegroups: Vec::new(),
            updates: Vec::new(),
        });
        self.dirty = true;
        Ok(self.state.clusters.last().expect("just pushed"))
    }

    pub(super) fn find_cluster(&self, region: &str, name: &str) -> Option<usize> {
        self.state
            .clusters
            .iter()
            .position(|c| c.region == region && c.name == name)
    }

    /// The cluster's index, creating it first when `auto_create_clusters` allows.
    pub(crate) fn cluster_index(&mut self, at: &ClusterAt, now: u64) -> Result<usize, EksError> {
        if let Some(index) = self.find_cluster(&at.region, &at.cluster) {
            return Ok(index);
        }
        if !self.auto_create_clusters || !valid_name(&at.cluster) {
            return Err(EksError::cluster_not_found(&at.cluster));
        }
        let spec = EksClusterSpec {
            region: at.region.clone(),
            name: at.cluster.clone(),
            version: None,
        };
        self.create_cluster(&spec, now)
            .map_err(|_| EksError::cluster_not_found(&at.cluster))?;
        Ok(self.state.clusters.len() - 1)
    }

    pub(crate) fn cluster(&mut self, at: &ClusterAt, now: u64) -> Result<&Cluster, EksError> {
        let index = self.cluster_index(at, now)?;
        Ok(&self.state.clusters[index])
    }
}

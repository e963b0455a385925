//! Clusters: the reference a request addresses, the control API's spec, creation (explicit or on
//! first use) and lookup of a cluster or one of its pools.

use serde::{Deserialize, Serialize};

use super::checks::validate_resource_name;
use super::locations::{default_zones, is_zone, region_of};
use super::{Cluster, GkeError, Model, Pool, DEFAULT_VERSION};

/// A cluster to create through the control API (or implicitly, with `auto_create_clusters`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    pub project: String,
    /// A region (`europe-west1`) or a zone (`europe-west1-b`).
    pub location: String,
    pub name: String,
    /// Node zones; defaults to the region's `-b`, `-c`, `-d` zones, or the zone itself.
    #[serde(default)]
    pub locations: Option<Vec<String>>,
    /// Control-plane and default node version; defaults to `1.33.5-gke.1000000`.
    #[serde(default)]
    pub version: Option<String>,
}

/// The cluster a request addresses, as parsed from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterRef {
    pub project: String,
    pub location: String,
    pub cluster: String,
}

impl ClusterRef {
    pub(super) fn key(&self) -> String {
        cluster_key(&self.project, &self.location, &self.cluster)
    }
}

pub(super) fn cluster_key(project: &str, location: &str, cluster: &str) -> String {
    format!("projects/{project}/locations/{location}/clusters/{cluster}")
}

impl Model {
    pub(crate) fn create_cluster(
        &mut self,
        spec: &ClusterSpec,
        now: u64,
    ) -> Result<&Cluster, GkeError> {
        for (field, value) in [("project", &spec.project), ("location", &spec.location)] {
            if value.is_empty() || value.contains('/') {
                return Err(GkeError::invalid_field(
                    field,
                    format!("{value:?} is not a valid {field}."),
                ));
            }
        }
        validate_resource_name("cluster.name", &spec.name)?;
        let key = cluster_key(&spec.project, &spec.location, &spec.name);
        if self.state.clusters.contains_key(&key) {
            return Err(GkeError::new(
                409,
                "ALREADY_EXISTS",
                format!("Already exists: {key}."),
            ));
        }
        let locations = match &spec.locations {
            Some(zones) if !zones.is_empty() => {
                let region = region_of(&spec.location);
                if let Some(zone) = zones.iter().find(|z| !is_zone(z) || region_of(z) != region) {
                    return Err(GkeError::invalid_field(
                        "cluster.locations",
                        format!("{zone:?} is not a zone of {region:?}."),
                    ));
                }
                zones.clone()
            }
            _ => default_zones(&spec.location),
        };
        let cluster = Cluster {
            project: spec.project.clone(),
            location: spec.location.clone(),
            name: spec.name.clone(),
            locations,
            version: spec
                .version
                .clone()
                .unwrap_or_else(|| DEFAULT_VERSION.to_string()),
            create_millis: now,
            pools: Vec::new(),
            resource_labels: Default::default(),
            label_generation: 0,
        };
        self.dirty = true;
        Ok(self.state.clusters.entry(key).or_insert(cluster))
    }

    pub(crate) fn cluster(&mut self, at: &ClusterRef, now: u64) -> Result<&Cluster, GkeError> {
        let key = self.ensure_cluster(at, now)?;
        self.state
            .clusters
            .get(&key)
            .ok_or_else(|| GkeError::not_found(&key))
    }

    pub(crate) fn pool(
        &mut self,
        at: &ClusterRef,
        name: &str,
        now: u64,
    ) -> Result<(&Cluster, &Pool), GkeError> {
        let cluster = self.cluster(at, now)?;
        let pool = cluster
            .pools
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                GkeError::not_found(&format!("{}/nodePools/{name}", cluster.resource_name()))
            })?;
        Ok((cluster, pool))
    }

    /// Returns the cluster's key, creating the cluster first when the emulator is set to.
    pub(super) fn ensure_cluster(&mut self, at: &ClusterRef, now: u64) -> Result<String, GkeError> {
        let key = at.key();
        if self.state.clusters.contains_key(&key) {
            return Ok(key);
        }
        if !self.auto_create_clusters {
            return Err(GkeError::not_found(&key));
        }
        let spec = ClusterSpec {
            project: at.project.clone(),
            location: at.location.clone(),
            name: at.cluster.clone(),
            locations: None,
            version: None,
        };
        self.create_cluster(&spec, now)?;
        Ok(key)
    }
}

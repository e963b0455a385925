//! The managed instance groups behind a pool: one per zone, sized within the autoscaling bounds,
//! plus the cluster autoscaler's own resizing, which clients see only in the groups' target sizes.

use serde_json::Value;

use super::canonical::int;
use super::fnv::fnv;
use super::{Cluster, ClusterRef, GkeError, InstanceGroup, Model, Pool};

impl Model {
    pub(crate) fn instance_group(
        &self,
        project: &str,
        zone: &str,
        name: &str,
    ) -> Option<(&Cluster, &Pool, &InstanceGroup)> {
        self.state
            .clusters
            .values()
            .filter(|c| c.project == project)
            .find_map(|cluster| {
                cluster.pools.iter().find_map(|pool| {
                    pool.instance_groups
                        .iter()
                        .find(|g| g.zone == zone && g.name == name)
                        .map(|group| (cluster, pool, group))
                })
            })
    }

    /// What the cluster autoscaler does on its own: moves an autoscaled pool to `nodes`
    /// in total (kept within its bounds), spread over its zones. No operation, no etag
    /// change: clients see it only in the instance groups' target sizes.
    pub(crate) fn autoscale(
        &mut self,
        at: &ClusterRef,
        name: &str,
        nodes: i64,
        now: u64,
    ) -> Result<(), GkeError> {
        let key = self.ensure_cluster(at, now)?;
        let cluster = self
            .state
            .clusters
            .get_mut(&key)
            .ok_or_else(|| GkeError::not_found(&key))?;
        let resource = format!("{}/nodePools/{name}", cluster.resource_name());
        let pool = cluster
            .pools
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| GkeError::not_found(&resource))?;
        let enabled = pool
            .resource
            .get("autoscaling")
            .and_then(|a| a.get("enabled"))
            .and_then(Value::as_bool)
            == Some(true);
        if !enabled {
            return Err(GkeError::new(
                400,
                "FAILED_PRECONDITION",
                format!("Node pool {name} does not have autoscaling enabled."),
            ));
        }
        let zones = i64::try_from(pool.instance_groups.len().max(1)).unwrap_or(1);
        for (index, group) in pool.instance_groups.iter_mut().enumerate() {
            let extra = i64::from(i64::try_from(index).unwrap_or(0) < nodes.max(0) % zones);
            group.target_size = nodes.max(0) / zones + extra;
        }
        clamp_to_autoscaling(pool);
        self.dirty = true;
        Ok(())
    }
}

/// Keeps one instance group per zone: new zones start at the size of the existing ones.
pub(super) fn resize_zones(pool: &mut Pool, cluster: &str, zones: &[String]) {
    let seed = pool
        .instance_groups
        .first()
        .map(|g| g.target_size)
        .unwrap_or(0);
    let mut groups = Vec::with_capacity(zones.len());
    for zone in zones {
        match pool.instance_groups.iter().find(|g| &g.zone == zone) {
            Some(existing) => groups.push(existing.clone()),
            None => {
                let hash = fnv(&[
                    cluster.as_bytes(),
                    pool.name.as_bytes(),
                    zone.as_bytes(),
                    &pool.create_millis.to_le_bytes(),
                ]);
                groups.push(InstanceGroup {
                    zone: zone.clone(),
                    name: format!("gke-{cluster}-{}-{:08x}-grp", pool.name, hash as u32),
                    target_size: seed,
                });
            }
        }
    }
    pool.instance_groups = groups;
}

/// The cluster autoscaler keeps sizes inside the bounds: per zone, or spread over the zones for totals.
pub(super) fn clamp_to_autoscaling(pool: &mut Pool) {
    let Some(autoscaling) = pool.resource.get("autoscaling") else {
        return;
    };
    if autoscaling.get("enabled").and_then(Value::as_bool) != Some(true) {
        return;
    }
    let (total_min, total_max) = (
        int(autoscaling.get("totalMinNodeCount")),
        int(autoscaling.get("totalMaxNodeCount")),
    );
    let groups = &mut pool.instance_groups;
    if groups.is_empty() {
        return;
    }
    if total_min > 0 || total_max > 0 {
        let total: i64 = groups.iter().map(|g| g.target_size).sum();
        let clamped = total.clamp(total_min, total_max.max(total_min));
        if clamped != total {
            let zones = i64::try_from(groups.len()).unwrap_or(1);
            for (index, group) in groups.iter_mut().enumerate() {
                let extra = i64::from(i64::try_from(index).unwrap_or(0) < clamped % zones);
                group.target_size = clamped / zones + extra;
            }
        }
    } else {
        let (min, max) = (
            int(autoscaling.get("minNodeCount")),
            int(autoscaling.get("maxNodeCount")),
        );
        for group in groups.iter_mut() {
            group.target_size = group.target_size.clamp(min, max.max(min));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_fixtures::{at, model};

    #[test]
    fn total_bounds_are_spread_over_zones() {
        let mut model = model(0);
        let body = json!({"nodePool": {"name": "a", "initialNodeCount": 0,
            "autoscaling": {"enabled": true, "totalMinNodeCount": 4, "totalMaxNodeCount": 9}}});
        model.create_pool(&at(), &body, None, 1).unwrap();
        let sizes: Vec<i64> = model
            .pool(&at(), "a", 1)
            .unwrap()
            .1
            .instance_groups
            .iter()
            .map(|g| g.target_size)
            .collect();
        assert_eq!(sizes, vec![2, 1, 1]);
        model
            .set_size(&at(), "a", &json!({"nodeCount": 5}), None, 2)
            .unwrap();
        let sizes: Vec<i64> = model
            .pool(&at(), "a", 2)
            .unwrap()
            .1
            .instance_groups
            .iter()
            .map(|g| g.target_size)
            .collect();
        assert_eq!(sizes, vec![3, 3, 3]);
    }
}

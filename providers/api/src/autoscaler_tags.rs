//! Cluster Autoscaler's node-template tags: how an autoscaled EKS node group at zero nodes
//! tells the autoscaler which labels, taints and GPUs its nodes would have. Without them the
//! autoscaler cannot tell that a pending pod (which tolerates the pool's taint and selects
//! its label) would fit, and never scales the group up from zero.
//!
//! They are derived from the pool itself, so that a label or taint change moves them in the
//! same apply; poolctl owns every tag under [`NODE_TEMPLATE_PREFIX`] on the pools it manages.

use crate::model::{PoolSpec, Scaling};
use std::collections::BTreeMap;

/// The prefix of every node-template tag.
pub const NODE_TEMPLATE_PREFIX: &str = "k8s.io/cluster-autoscaler/node-template/";

/// The extended resource name of NVIDIA GPUs.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";

/// Whether a tag key is a node-template tag (which poolctl keeps in step with the pool).
pub fn is_node_template_tag(key: &str) -> bool {
    key.starts_with(NODE_TEMPLATE_PREFIX)
}

/// Whether the pool can be at zero nodes, and so needs the node-template tags.
pub fn scales_from_zero(spec: &PoolSpec) -> bool {
    matches!(spec.scaling, Scaling::Autoscale { min: 0, .. })
}

/// The node-template tags of a pool that can scale to zero (none for any other pool):
/// `label/KEY = VALUE` for each label, `taint/KEY = VALUE:EFFECT` for each taint, and
/// `resources/nvidia.com/gpu = COUNT` for a GPU pool.
pub fn node_template_tags(spec: &PoolSpec) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    if !scales_from_zero(spec) {
        return tags;
    }
    for (key, value) in &spec.labels {
        tags.insert(format!("{NODE_TEMPLATE_PREFIX}label/{key}"), value.clone());
    }
    for taint in &spec.taints {
        tags.insert(
            format!("{NODE_TEMPLATE_PREFIX}taint/{}", taint.key),
            format!("{}:{}", taint.value, taint.effect),
        );
    }
    if let Some(gpu) = &spec.gpu {
        tags.insert(
            format!("{NODE_TEMPLATE_PREFIX}resources/{GPU_RESOURCE}"),
            gpu.count.to_string(),
        );
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Effect, Gpu, Taint};

    fn pool(scaling: Scaling) -> PoolSpec {
        PoolSpec {
            name: "gpu".into(),
            machine_type: "g5.xlarge".into(),
            scaling,
            labels: BTreeMap::from([("accelerator".into(), "a10g".into())]),
            taints: vec![Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule)],
            spot: false,
            gpu: Some(Gpu {
                kind: "nvidia-a10g".into(),
                count: 1,
            }),
            disk_gb: None,
            zones: vec![],
            tags: BTreeMap::new(),
            extras: BTreeMap::new(),
        }
    }

    #[test]
    fn a_pool_at_zero_describes_its_nodes() {
        let tags = node_template_tags(&pool(Scaling::Autoscale { min: 0, max: 4 }));
        assert_eq!(
            tags,
            BTreeMap::from([
                (
                    "k8s.io/cluster-autoscaler/node-template/label/accelerator".to_string(),
                    "a10g".to_string()
                ),
                (
                    "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu".to_string(),
                    "present:NoSchedule".to_string()
                ),
                (
                    "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu".to_string(),
                    "1".to_string()
                ),
            ])
        );
        assert!(tags.keys().all(|k| is_node_template_tag(k)));
    }

    #[test]
    fn pools_that_keep_a_node_need_none() {
        assert!(node_template_tags(&pool(Scaling::Autoscale { min: 1, max: 4 })).is_empty());
        assert!(node_template_tags(&pool(Scaling::Fixed { nodes: 2 })).is_empty());
    }
}

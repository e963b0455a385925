//! Between the SDK's node-group types and poolctl's model: a described node group read as
//! a [`LivePool`], a [`PoolSpec`] written as a CreateNodegroup request's parts, taints both
//! ways, and the group's status and health issues as a [`Health`].

use crate::deltas::to_i32;
use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, LaunchTemplateSpecification, Nodegroup, NodegroupScalingConfig,
    NodegroupStatus, TaintEffect,
};
use poolctl_provider::machines::eks_instance_gpus;
use poolctl_provider::{
    Effect, ExtraValue, Field, Health, LivePool, PoolSpec, PoolState, ProviderError,
    ProviderResult, Scaling, Taint,
};
use std::collections::{BTreeMap, HashMap};

pub(crate) fn effect_to_sdk(effect: Effect) -> TaintEffect {
    match effect {
        Effect::NoSchedule => TaintEffect::NoSchedule,
        Effect::PreferNoSchedule => TaintEffect::PreferNoSchedule,
        Effect::NoExecute => TaintEffect::NoExecute,
    }
}

fn effect_from_sdk(effect: &TaintEffect) -> Option<Effect> {
    match effect {
        TaintEffect::NoSchedule => Some(Effect::NoSchedule),
        TaintEffect::PreferNoSchedule => Some(Effect::PreferNoSchedule),
        TaintEffect::NoExecute => Some(Effect::NoExecute),
        _ => None,
    }
}

pub(crate) fn taint_to_sdk(taint: &Taint) -> aws_sdk_eks::types::Taint {
    let mut builder = aws_sdk_eks::types::Taint::builder()
        .key(&taint.key)
        .effect(effect_to_sdk(taint.effect));
    // EKS reads an absent value as empty; sending "" would be the same but noisier.
    if !taint.value.is_empty() {
        builder = builder.value(&taint.value);
    }
    builder.build()
}

/// The node group's labels.
pub(crate) fn live_labels(group: &Nodegroup) -> BTreeMap<String, String> {
    sorted(group.labels())
}

/// The node group's taints, sorted. A taint with an effect that poolctl does not know
/// (a newer API) is left out, with a warning: it cannot be compared or written back.
pub(crate) fn live_taints(group: &Nodegroup) -> Vec<Taint> {
    let mut taints: Vec<Taint> = group
        .taints()
        .iter()
        .filter_map(|t| {
            let key = t.key().unwrap_or_default();
            let effect = t.effect().and_then(effect_from_sdk);
            if effect.is_none() {
                tracing::warn!(
                    "node group {}: taint {key} has an effect poolctl does not know ({:?}); \
                     left out",
                    group.nodegroup_name().unwrap_or_default(),
                    t.effect().map(|e| e.as_str())
                );
            }
            effect.map(|effect| Taint::new(key, t.value().unwrap_or_default(), effect))
        })
        .collect();
    taints.sort();
    taints.dedup();
    taints
}

pub(crate) fn live_tags(group: &Nodegroup) -> BTreeMap<String, String> {
    sorted(group.tags())
}

fn sorted(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// The group's (minSize, maxSize, desiredSize) as EKS reports them.
pub(crate) fn live_sizes(group: &Nodegroup) -> (Option<i32>, Option<i32>, Option<i32>) {
    let config = group.scaling_config();
    (
        config.and_then(NodegroupScalingConfig::min_size),
        config.and_then(NodegroupScalingConfig::max_size),
        config.and_then(NodegroupScalingConfig::desired_size),
    )
}

fn to_u32(n: Option<i32>) -> u32 {
    n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// The node group as poolctl's model sees it.
pub(crate) fn live_pool(group: &Nodegroup) -> LivePool {
    let (min, max, _) = live_sizes(group);
    // desiredSize belongs to the autoscaler (or to whoever sized a fixed group): only the
    // bounds are the pool's.
    let scaling = if min == max {
        Scaling::Fixed { nodes: to_u32(max) }
    } else {
        Scaling::Autoscale {
            min: to_u32(min),
            max: to_u32(max),
        }
    };
    let instance_types = group.instance_types().to_vec();
    let machine_type = instance_types.first().cloned().unwrap_or_default();
    let mut extras = BTreeMap::new();
    if !instance_types.is_empty() {
        extras.insert(Field::InstanceTypes, ExtraValue::List(instance_types));
    }
    if !group.subnets().is_empty() {
        extras.insert(Field::Subnets, ExtraValue::List(group.subnets().to_vec()));
    }
    if let Some(role) = group.node_role().filter(|r| !r.is_empty()) {
        extras.insert(Field::NodeRole, ExtraValue::Text(role.to_string()));
    }
    if let Some(ami) = group.ami_type() {
        extras.insert(Field::AmiType, ExtraValue::Text(ami.as_str().to_string()));
    }
    if let Some(template) = group.launch_template() {
        for (field, value) in [
            (Field::LaunchTemplateId, template.id()),
            (Field::LaunchTemplateName, template.name()),
            (Field::LaunchTemplateVersion, template.version()),
        ] {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                extras.insert(field, ExtraValue::Text(value.to_string()));
            }
        }
    }
    let mut spec = PoolSpec {
        name: group.nodegroup_name().unwrap_or_default().to_string(),
        gpu: eks_instance_gpus(&machine_type),
        machine_type,
        scaling,
        labels: live_labels(group),
        taints: live_taints(group),
        spot: matches!(group.capacity_type(), Some(CapacityTypes::Spot)),
        disk_gb: group.disk_size().and_then(|d| u32::try_from(d).ok()),
        // Zones follow from the subnets, which EKS reports instead.
        zones: Vec::new(),
        tags: live_tags(group),
        extras,
    };
    spec.normalize();
    LivePool {
        spec,
        health: health(group),
        version: group.version().map(str::to_string),
    }
}

/// The EKS status word of the group (`ACTIVE`).
pub(crate) fn status_word(group: &Nodegroup) -> String {
    group
        .status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "UNKNOWN".to_string())
}

pub(crate) fn health(group: &Nodegroup) -> Health {
    let state = match group.status() {
        Some(NodegroupStatus::Active) => PoolState::Ready,
        Some(NodegroupStatus::Creating | NodegroupStatus::Updating | NodegroupStatus::Deleting) => {
            PoolState::Busy
        }
        Some(NodegroupStatus::Degraded) => PoolState::Degraded,
        Some(NodegroupStatus::CreateFailed | NodegroupStatus::DeleteFailed) => PoolState::Failed,
        // A status newer than this SDK: treat it as unusable rather than as fine.
        _ => PoolState::Failed,
    };
    Health {
        state,
        status: status_word(group),
        message: health_issues(group),
    }
}

/// The group's health issues, `CODE: message (resource ids)`, joined by `; `.
pub(crate) fn health_issues(group: &Nodegroup) -> Option<String> {
    let issues: Vec<String> = group
        .health()
        .map(|h| h.issues())
        .unwrap_or_default()
        .iter()
        .map(|issue| {
            let mut text = issue
                .code()
                .map(|c| c.as_str().to_string())
                .unwrap_or_else(|| "Unknown".into());
            if let Some(message) = issue.message().filter(|m| !m.is_empty()) {
                text.push_str(": ");
                text.push_str(message);
            }
            if !issue.resource_ids().is_empty() {
                text.push_str(&format!(" ({})", issue.resource_ids().join(", ")));
            }
            text
        })
        .collect();
    (!issues.is_empty()).then(|| issues.join("; "))
}

/// CreateNodegroup's parts that come from the spec, checked before anything is sent.
#[derive(Debug)]
pub(crate) struct CreateParts {
    pub scaling: NodegroupScalingConfig,
    pub instance_types: Vec<String>,
    pub capacity_type: CapacityTypes,
    pub ami_type: Option<AmiTypes>,
    pub disk_size: Option<i32>,
    pub labels: HashMap<String, String>,
    pub taints: Vec<aws_sdk_eks::types::Taint>,
    pub tags: HashMap<String, String>,
    pub subnets: Vec<String>,
    pub node_role: String,
    pub launch_template: Option<LaunchTemplateSpecification>,
}

pub(crate) fn create_parts(spec: &PoolSpec) -> ProviderResult<CreateParts> {
    let name = &spec.name;
    let scaling = match spec.scaling {
        Scaling::Fixed { nodes } => {
            let n = to_i32(nodes);
            NodegroupScalingConfig::builder()
                .min_size(n)
                .max_size(n)
                .desired_size(n)
                .build()
        }
        // A new group starts at its floor; the autoscaler takes it from there.
        Scaling::Autoscale { min, max } => NodegroupScalingConfig::builder()
            .min_size(to_i32(min))
            .max_size(to_i32(max))
            .desired_size(to_i32(min))
            .build(),
    };
    let instance_types = match spec.extras.get(&Field::InstanceTypes) {
        Some(ExtraValue::List(types)) if !types.is_empty() => types.clone(),
        _ if !spec.machine_type.is_empty() => vec![spec.machine_type.clone()],
        _ => {
            return Err(ProviderError::Config(format!(
                "EKS node group {name} needs an instance type: set `machine_type` or \
                 `instance_types` in [pools.{name}.eks]"
            )))
        }
    };
    let subnets = match spec.extras.get(&Field::Subnets) {
        Some(ExtraValue::List(subnets)) if !subnets.is_empty() => subnets.clone(),
        _ => {
            return Err(ProviderError::Config(format!(
                "EKS node group {name} needs `subnets` in [pools.{name}.eks] (the subnet IDs \
                 its nodes go in)"
            )))
        }
    };
    let node_role = text(spec, Field::NodeRole).ok_or_else(|| {
        ProviderError::Config(format!(
            "EKS node group {name} needs `node_role` in [pools.{name}.eks] (the ARN of the \
             nodes' IAM role)"
        ))
    })?;
    let template_id = text(spec, Field::LaunchTemplateId);
    let template_name = text(spec, Field::LaunchTemplateName);
    let template_version = text(spec, Field::LaunchTemplateVersion);
    let launch_template = match (template_id, template_name) {
        (Some(_), Some(_)) => {
            return Err(ProviderError::Config(format!(
                "EKS node group {name}: set `launch_template.id` or `launch_template.name`, \
                 not both"
            )))
        }
        (None, None) if template_version.is_some() => {
            return Err(ProviderError::Config(format!(
                "EKS node group {name}: `launch_template.version` needs `launch_template.id` \
                 or `launch_template.name`"
            )))
        }
        (None, None) => None,
        (id, name) => Some(
            LaunchTemplateSpecification::builder()
                .set_id(id)
                .set_name(name)
                .set_version(template_version)
                .build(),
        ),
    };
    Ok(CreateParts {
        scaling,
        instance_types,
        capacity_type: if spec.spot {
            CapacityTypes::Spot
        } else {
            CapacityTypes::OnDemand
        },
        ami_type: text(spec, Field::AmiType).map(|a| AmiTypes::from(a.as_str())),
        disk_size: spec.disk_gb.map(to_i32),
        labels: spec.labels.clone().into_iter().collect(),
        taints: spec.taints.iter().map(taint_to_sdk).collect(),
        tags: spec.tags.clone().into_iter().collect(),
        subnets,
        node_role,
        launch_template,
    })
}

fn text(spec: &PoolSpec, field: Field) -> Option<String> {
    match spec.extras.get(&field) {
        Some(ExtraValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::types::{Issue, NodegroupHealth, NodegroupIssueCode};

    fn group() -> Nodegroup {
        Nodegroup::builder()
            .nodegroup_name("gpu")
            .status(NodegroupStatus::Active)
            .capacity_type(CapacityTypes::Spot)
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(0)
                    .max_size(4)
                    .desired_size(2)
                    .build(),
            )
            .instance_types("g5.xlarge")
            .instance_types("g5.2xlarge")
            .subnets("subnet-b")
            .subnets("subnet-a")
            .node_role("arn:aws:iam::123456789012:role/nodes")
            .ami_type(AmiTypes::Al2023X8664Nvidia)
            .labels("team", "ml")
            .taints(
                aws_sdk_eks::types::Taint::builder()
                    .key("nvidia.com/gpu")
                    .value("present")
                    .effect(TaintEffect::NoSchedule)
                    .build(),
            )
            .taints(
                aws_sdk_eks::types::Taint::builder()
                    .key("dedicated")
                    .effect(TaintEffect::PreferNoSchedule)
                    .build(),
            )
            .disk_size(100)
            .tags("poolctl-pool", "gpu")
            .version("1.31")
            .build()
    }

    #[test]
    fn a_node_group_reads_as_a_normalized_pool() {
        let live = live_pool(&group());
        let spec = &live.spec;
        assert_eq!(spec.name, "gpu");
        assert_eq!(spec.machine_type, "g5.xlarge");
        assert_eq!(spec.scaling, Scaling::Autoscale { min: 0, max: 4 });
        assert!(spec.spot);
        assert_eq!(spec.gpu.as_ref().map(|g| g.count), Some(1));
        assert_eq!(spec.disk_gb, Some(100));
        assert_eq!(
            spec.taints,
            vec![
                Taint::new("dedicated", "", Effect::PreferNoSchedule),
                Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule),
            ]
        );
        assert_eq!(
            spec.extras.get(&Field::InstanceTypes),
            Some(&ExtraValue::List(vec![
                "g5.xlarge".into(),
                "g5.2xlarge".into()
            ]))
        );
        assert_eq!(
            spec.extras.get(&Field::Subnets),
            Some(&ExtraValue::List(vec![
                "subnet-a".into(),
                "subnet-b".into()
            ]))
        );
        assert_eq!(
            spec.extras.get(&Field::AmiType),
            Some(&ExtraValue::Text("AL2023_x86_64_NVIDIA".into()))
        );
        assert!(!spec.extras.contains_key(&Field::LaunchTemplateId));
        assert_eq!(live.health, Health::ready("ACTIVE"));
        assert_eq!(live.version.as_deref(), Some("1.31"));
    }

    #[test]
    fn equal_bounds_are_a_fixed_size_whatever_the_desired_size() {
        let group = Nodegroup::builder()
            .nodegroup_name("core")
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(3)
                    .max_size(3)
                    .desired_size(3)
                    .build(),
            )
            .build();
        assert_eq!(live_pool(&group).spec.scaling, Scaling::Fixed { nodes: 3 });
    }

    #[test]
    fn statuses_map_to_states_and_issues_are_quoted() {
        let failed = Nodegroup::builder()
            .status(NodegroupStatus::CreateFailed)
            .health(
                NodegroupHealth::builder()
                    .issues(
                        Issue::builder()
                            .code(NodegroupIssueCode::Ec2SubnetNotFound)
                            .message("The subnet ID 'subnet-x' does not exist")
                            .resource_ids("subnet-x")
                            .build(),
                    )
                    .build(),
            )
            .build();
        let health = health(&failed);
        assert_eq!(health.state, PoolState::Failed);
        assert_eq!(health.status, "CREATE_FAILED");
        assert_eq!(
            health.message.as_deref(),
            Some("Ec2SubnetNotFound: The subnet ID 'subnet-x' does not exist (subnet-x)")
        );
        for (status, state) in [
            (NodegroupStatus::Creating, PoolState::Busy),
            (NodegroupStatus::Updating, PoolState::Busy),
            (NodegroupStatus::Deleting, PoolState::Busy),
            (NodegroupStatus::Degraded, PoolState::Degraded),
            (NodegroupStatus::DeleteFailed, PoolState::Failed),
        ] {
            let g = Nodegroup::builder().status(status).build();
            assert_eq!(super::health(&g).state, state);
        }
    }

    fn spec() -> PoolSpec {
        let mut spec = live_pool(&group()).spec;
        spec.scaling = Scaling::Autoscale { min: 1, max: 5 };
        spec
    }

    #[test]
    fn a_spec_becomes_a_create_request() {
        let parts = create_parts(&spec()).expect("parts");
        assert_eq!(parts.scaling.min_size(), Some(1));
        assert_eq!(parts.scaling.max_size(), Some(5));
        assert_eq!(parts.scaling.desired_size(), Some(1));
        assert_eq!(parts.instance_types, vec!["g5.xlarge", "g5.2xlarge"]);
        assert_eq!(parts.capacity_type, CapacityTypes::Spot);
        assert_eq!(parts.ami_type, Some(AmiTypes::Al2023X8664Nvidia));
        assert_eq!(parts.disk_size, Some(100));
        assert_eq!(parts.node_role, "arn:aws:iam::123456789012:role/nodes");
        assert_eq!(parts.taints.len(), 2);
        let no_value = parts
            .taints
            .iter()
            .find(|t| t.key() == Some("dedicated"))
            .map(|t| t.value());
        assert_eq!(no_value, Some(None));
        assert!(parts.launch_template.is_none());
    }

    #[test]
    fn a_fixed_size_sets_min_max_and_desired() {
        let mut spec = spec();
        spec.scaling = Scaling::Fixed { nodes: 3 };
        spec.extras.remove(&Field::InstanceTypes);
        let parts = create_parts(&spec).expect("parts");
        assert_eq!(
            (
                parts.scaling.min_size(),
                parts.scaling.max_size(),
                parts.scaling.desired_size()
            ),
            (Some(3), Some(3), Some(3))
        );
        assert_eq!(parts.instance_types, vec!["g5.xlarge"]);
    }

    #[test]
    fn missing_subnets_or_role_name_the_blueprint_key() {
        let mut no_subnets = spec();
        no_subnets.extras.remove(&Field::Subnets);
        let err = create_parts(&no_subnets).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("`subnets`")),
            "{err:?}"
        );
        let mut no_role = spec();
        no_role.extras.remove(&Field::NodeRole);
        let err = create_parts(&no_role).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("`node_role`")),
            "{err:?}"
        );
    }

    #[test]
    fn a_launch_template_is_sent_by_id_or_name_with_its_version() {
        let mut spec = spec();
        spec.extras.insert(
            Field::LaunchTemplateName,
            ExtraValue::Text("gpu-nodes".into()),
        );
        spec.extras
            .insert(Field::LaunchTemplateVersion, ExtraValue::Text("7".into()));
        let parts = create_parts(&spec).expect("parts");
        let template = parts.launch_template.expect("template");
        assert_eq!(template.name(), Some("gpu-nodes"));
        assert_eq!(template.version(), Some("7"));
        assert_eq!(template.id(), None);
        spec.extras
            .insert(Field::LaunchTemplateId, ExtraValue::Text("lt-1".into()));
        assert!(matches!(create_parts(&spec), Err(ProviderError::Config(_))));
    }
}

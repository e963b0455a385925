//! The JSON plan: a versioned document for scripts and CI, with its own stable field names
//! (documented in docs/plan-json.md), decoupled from the plan's internal types.

use crate::blueprint::ReplaceStrategy;
use crate::plan::{Action, Hazard, Plan, PoolChange, Reason, StepKind, Summary};
use poolctl_provider::{ExtraValue, Field, PoolSpec, PoolState, Scaling};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// The version of the document shape. It changes only when a change could break a
/// consumer; adding properties does not change it.
pub const FORMAT_VERSION: &str = "2";

/// Pinned to `"2"`: the version of the document shape (see docs/plan-json.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum FormatVersion {
    #[serde(rename = "2")]
    V2,
}

/// The plan for one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PlanDocument {
    /// The version of this document's shape; `"2"`.
    pub format_version: FormatVersion,
    /// The cloud provider as written in the blueprint (`gke`, `aks`, `eks`).
    pub provider: String,
    /// The cluster's name, from the blueprint's `[cluster]` table.
    pub cluster: String,
    /// How many pools each kind of action touches.
    pub summary: ChangeCounts,
    /// One entry per blueprint pool and per managed live pool, in apply order (core pools
    /// first, deletes last), including pools that need no change (`action` `no_op`).
    pub changes: Vec<PoolChangeDocument>,
    /// Cloud names of live pools poolctl did not create and the blueprint does not name:
    /// left alone.
    pub unmanaged: Vec<String>,
    /// The pools this plan was limited to with `--target`; empty for a plan of the whole
    /// cluster. When not empty, the other pools were not compared.
    pub targets: Vec<String>,
    /// The steps `poolctl apply` runs, in order: every create and update first (core pools
    /// first), then delete-first replacements, then every delete, a create-before-destroy
    /// replacement's old pool included. Nothing is deleted once a step has failed.
    pub steps: Vec<StepDocument>,
    /// What in this plan takes away what the cluster needs to run; `poolctl apply`
    /// refuses the plan unless given `--allow-destroy-core`. Empty for most plans.
    pub hazards: Vec<HazardDocument>,
}

/// One step of the apply order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StepDocument {
    /// The logical name of the pool whose change this step belongs to.
    pub pool: String,
    /// The cloud pool the step creates, changes or deletes.
    pub cloud_name: String,
    pub step: StepName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Create,
    Update,
    /// The new pool of a create-before-destroy replacement.
    CreateReplacement,
    /// A delete-first replacement: the pool is deleted, then created again.
    DeleteThenCreate,
    /// The old pool of a create-before-destroy replacement, deleted once the new one is
    /// ready and everything else has run.
    DeleteReplaced,
    Delete,
}

/// A destructive part of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HazardDocument {
    pub kind: HazardKind,
    /// The pool concerned, for `deletes_core_pool` and `deletes_core_pool_first`; `null`
    /// otherwise.
    pub pool: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// A core pool (tagged `poolctl-class=core`) is deleted.
    DeletesCorePool,
    /// A core pool is replaced with `replace = "delete-first"`.
    DeletesCorePoolFirst,
    /// Every pool poolctl manages in the cluster is deleted.
    DeletesEveryPool,
}

/// The plans for several clusters, planned in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FleetDocument {
    /// The version of this document's shape; `"2"`.
    pub format_version: FormatVersion,
    /// One complete single-cluster plan document per cluster, in the order planned.
    pub clusters: Vec<PlanDocument>,
    /// Blueprints that could not be planned (invalid, unreachable cloud, ...); their
    /// clusters are missing from `clusters`, so a gate must not read silence as success.
    pub failed: Vec<FailedCluster>,
    /// The counts summed over all clusters.
    pub summary: ChangeCounts,
}

/// A blueprint of the fleet that could not be planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FailedCluster {
    /// The blueprint file, as given on the command line.
    pub blueprint: String,
    /// Why, in one line (the full diagnostic goes to standard error).
    pub error: String,
}

/// Counts of pools per action, as in the line `Plan: 1 to add, 0 to change, ...`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ChangeCounts {
    /// Pools to create.
    pub add: u32,
    /// Pools to update in place.
    pub change: u32,
    /// Pools to replace (a new pool takes the place of the live one).
    pub replace: u32,
    /// Pools to delete.
    pub destroy: u32,
    /// Pools the cloud reports busy, degraded or failed (see each change's `health`). A plan
    /// with changes or attention is not clean: `plan --detailed-exitcode` exits 2.
    pub attention: u32,
}

/// What happens to one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionName {
    /// A new pool is created (`+`).
    Create,
    /// The live pool is changed in place (`~`).
    Update,
    /// The cloud cannot change some field in place: a new pool takes the live pool's place,
    /// as `replace_strategy` says (`-/+`).
    Replace,
    /// The live pool is deleted (`-`).
    Delete,
    /// The live pool already matches the blueprint.
    NoOp,
}

/// Why an action was chosen, when it is not obvious from the action alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// A pool poolctl created is no longer in the blueprint (with `delete`).
    NotInBlueprint,
    /// The blueprint names a pool poolctl did not create: poolctl takes ownership of it
    /// by adding its ownership tags (with `update`).
    Adopt,
    /// The cloud cannot change the fields in `fields` in place (with `replace`).
    CannotUpdate,
    /// A second pool carries this logical name, left over from an interrupted
    /// replacement; the one that matches the blueprint stays (with `delete`).
    Leftover,
    /// The cloud reports the pool failed (`health` says how, in its words): it is deleted
    /// and created again (with `replace`, strategy `delete_first`).
    Failed,
    /// `poolctl destroy` removes every pool poolctl manages in the cluster (with `delete`).
    Destroy,
}

/// How a replacement is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplaceStrategyName {
    /// The new pool, under a derived name (`desired.name`), is created and ready before
    /// the old one (`cloud_name`) is deleted.
    CreateBeforeDestroy,
    /// The old pool is deleted first, then created again under the same name.
    DeleteFirst,
}

/// The reason for an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ReasonDocument {
    pub kind: ReasonKind,
    /// For `cannot_update`, the fields that force the replacement; empty otherwise.
    pub fields: Vec<FieldName>,
}

/// A pool setting that a plan can change, named as in the blueprint (provider settings by
/// their key in `[pools.NAME.<provider>]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    MachineType,
    Scaling,
    Labels,
    Taints,
    Spot,
    Gpu,
    DiskGb,
    Zones,
    Tags,
    /// GKE: the node image (`[pools.NAME.gke] image_type`).
    ImageType,
    /// GKE: the nodes' service account.
    ServiceAccount,
    /// GKE: the OAuth scopes of the nodes' service account.
    OauthScopes,
    /// GKE: the boot disk type.
    DiskType,
    /// GKE: the most pods a node runs.
    MaxPodsPerNode,
    /// AKS: the node OS (`Ubuntu`, `AzureLinux`).
    OsSku,
    /// AKS: the most pods a node runs.
    MaxPods,
    /// AKS: `Managed` or `Ephemeral` OS disks.
    OsDiskType,
    /// AKS: the subnet the nodes join.
    VnetSubnetId,
    /// AKS: `System` or `User`.
    Mode,
    /// EKS: the instance types, in order of preference.
    InstanceTypes,
    /// EKS: the subnets the nodes go into.
    Subnets,
    /// EKS: the IAM role of the nodes.
    NodeRole,
    /// EKS: the node AMI type.
    AmiType,
    /// EKS: the launch template's id.
    #[serde(rename = "launch_template.id")]
    LaunchTemplateId,
    /// EKS: the launch template's name.
    #[serde(rename = "launch_template.name")]
    LaunchTemplateName,
    /// EKS: the launch template's version.
    #[serde(rename = "launch_template.version")]
    LaunchTemplateVersion,
}

/// The plan for one pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PoolChangeDocument {
    /// The logical name (the key under `[pools]` in the blueprint), or, for a managed pool
    /// the blueprint no longer lists, the logical name recorded in its tags.
    pub pool: String,
    /// The pool's name in the cloud now (for `create`, the name it is created with). It
    /// can differ from `pool`: a create-before-destroy replacement gives the new pool a
    /// derived name.
    pub cloud_name: String,
    pub action: ActionName,
    /// Why, for a delete (`not_in_blueprint`, `leftover`), an adoption (`adopt`) or a
    /// replacement (`cannot_update`); `null` otherwise.
    pub reason: Option<ReasonDocument>,
    /// How a `replace` is carried out; `null` for every other action.
    pub replace_strategy: Option<ReplaceStrategyName>,
    /// A core pool (system services run there): applied first, and flagged when replaced.
    pub core: bool,
    /// The fields that differ, in the order they are applied; empty for `create`,
    /// `delete` and `no_op`.
    pub field_changes: Vec<FieldChangeDocument>,
    /// What the pool should be; `null` for `delete`. For a create-before-destroy
    /// `replace`, `desired.name` is the new pool's derived name.
    pub desired: Option<PoolDocument>,
    /// What the pool is now; `null` for `create`.
    pub live: Option<PoolDocument>,
    /// The live pool's health when the cloud reports it busy, degraded or failed, in the
    /// cloud's words; `null` when it is ready (or for `create`).
    pub health: Option<HealthDocument>,
}

/// A live pool that is not ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HealthDocument {
    pub state: PoolStateName,
    /// The cloud's status word (`RECONCILING`, `ERROR`, `RUNNING_WITH_ERROR`, ...).
    pub status: String,
    /// What the cloud says about it, when it says anything.
    pub message: Option<String>,
}

/// A pool's state, the same for every cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoolStateName {
    /// Running, nothing in progress (never reported in `health`).
    Ready,
    /// An operation is in progress: its settings may still change; `apply` waits for it.
    Busy,
    /// Running, but the cloud reports problems.
    Degraded,
    /// Unusable: the plan creates it again.
    Failed,
}

/// One field's change. `old` and `new` are display strings, as the human plan shows them
/// (`autoscale 0..10`, `{team=ml}`, `nvidia-l4 x1`); read `desired` and `live` for values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FieldChangeDocument {
    pub field: FieldName,
    pub old: String,
    pub new: String,
    /// For an in-place change, the provider call that makes it; for a change that forces
    /// replacement, why the cloud cannot make it in place.
    pub how: String,
    /// True when the cloud cannot make this change in place.
    pub forces_replacement: bool,
}

/// A node pool in poolctl's cloud-independent model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PoolDocument {
    /// The pool's name in the cloud.
    pub name: String,
    /// The cloud's machine type (`n2-standard-8`, `Standard_D8s_v5`, `m6i.2xlarge`).
    pub machine_type: String,
    pub scaling: ScalingDocument,
    /// Kubernetes node labels, sorted by key.
    pub labels: BTreeMap<String, String>,
    /// Kubernetes node taints as `key=value:Effect` (`key:Effect` when the value is empty),
    /// sorted.
    pub taints: Vec<String>,
    /// Spot (preemptible) capacity.
    pub spot: bool,
    /// GPUs attached to every node; `null` for none.
    pub gpu: Option<GpuDocument>,
    /// Boot disk size in GB; `null` for the cloud's default.
    pub disk_gb: Option<u32>,
    /// Zones, sorted; empty means the cluster's zones.
    pub zones: Vec<String>,
    /// Cloud resource tags (GKE resource labels, AKS tags, EKS tags), sorted by key. Pools
    /// poolctl manages carry `poolctl-pool`, `poolctl-blueprint`, `poolctl-class` and, when
    /// protected, `poolctl-protect`.
    pub tags: BTreeMap<String, String>,
    /// Provider settings by their key in `[pools.NAME.<provider>]` (`image_type`,
    /// `oauth_scopes`, ...). For `desired`, the ones the blueprint sets (the others keep
    /// the cloud's default); for `live`, every one the cloud reports.
    pub provider_settings: BTreeMap<String, SettingValue>,
}

/// A provider setting's value: a string, a count, or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SettingValue {
    Text(String),
    Count(u32),
    List(Vec<String>),
}

/// How a pool is sized. Counts are totals for the whole pool, never per zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ScalingDocument {
    /// A static size.
    Fixed { nodes: u32 },
    /// Autoscaled between bounds; the current node count is the autoscaler's and is never
    /// part of a plan.
    Autoscale { min: u32, max: u32 },
}

/// GPUs attached to every node of a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GpuDocument {
    /// The accelerator type as the cloud names it (`nvidia-l4`).
    #[serde(rename = "type")]
    pub kind: String,
    /// GPUs per node.
    pub count: u32,
}

impl PlanDocument {
    pub fn new(plan: &Plan) -> Self {
        PlanDocument {
            format_version: FormatVersion::V2,
            provider: plan.provider.clone(),
            cluster: plan.cluster.clone(),
            summary: ChangeCounts {
                attention: count(plan.unhealthy().count()),
                ..ChangeCounts::from(plan.summary())
            },
            changes: plan.changes.iter().map(PoolChangeDocument::from).collect(),
            unmanaged: plan.unmanaged.clone(),
            targets: plan.targets.clone(),
            steps: plan
                .steps()
                .iter()
                .map(|step| StepDocument {
                    pool: step.change.pool.clone(),
                    cloud_name: match step.kind {
                        StepKind::CreateReplacement => step
                            .change
                            .desired
                            .as_ref()
                            .map(|d| d.name.clone())
                            .unwrap_or_default(),
                        _ => step.change.cloud_name.clone(),
                    },
                    step: match step.kind {
                        StepKind::Create => StepName::Create,
                        StepKind::Update => StepName::Update,
                        StepKind::CreateReplacement => StepName::CreateReplacement,
                        StepKind::DeleteThenCreate => StepName::DeleteThenCreate,
                        StepKind::DeleteReplaced => StepName::DeleteReplaced,
                        StepKind::Delete => StepName::Delete,
                    },
                })
                .collect(),
            hazards: plan
                .hazards()
                .into_iter()
                .map(|hazard| match hazard {
                    Hazard::DeletesCorePool(pool) => HazardDocument {
                        kind: HazardKind::DeletesCorePool,
                        pool: Some(pool),
                    },
                    Hazard::DeletesCorePoolFirst(pool) => HazardDocument {
                        kind: HazardKind::DeletesCorePoolFirst,
                        pool: Some(pool),
                    },
                    Hazard::DeletesEveryPool => HazardDocument {
                        kind: HazardKind::DeletesEveryPool,
                        pool: None,
                    },
                })
                .collect(),
        }
    }
}

impl FleetDocument {
    /// The fleet document of plans that all succeeded.
    pub fn new(plans: &[Plan]) -> Self {
        Self::with_failures(plans, Vec::new())
    }

    pub fn with_failures(plans: &[Plan], failed: Vec<FailedCluster>) -> Self {
        let clusters: Vec<PlanDocument> = plans.iter().map(PlanDocument::new).collect();
        let summary = clusters
            .iter()
            .fold(ChangeCounts::default(), |total, c| ChangeCounts {
                add: total.add + c.summary.add,
                change: total.change + c.summary.change,
                replace: total.replace + c.summary.replace,
                destroy: total.destroy + c.summary.destroy,
                attention: total.attention + c.summary.attention,
            });
        FleetDocument {
            format_version: FormatVersion::V2,
            clusters,
            failed,
            summary,
        }
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<Summary> for ChangeCounts {
    fn from(s: Summary) -> Self {
        ChangeCounts {
            add: count(s.add),
            change: count(s.change),
            replace: count(s.replace),
            destroy: count(s.destroy),
            attention: 0,
        }
    }
}

impl From<Action> for ActionName {
    fn from(action: Action) -> Self {
        match action {
            Action::NoOp => ActionName::NoOp,
            Action::Create => ActionName::Create,
            Action::Update => ActionName::Update,
            Action::Replace => ActionName::Replace,
            Action::Delete => ActionName::Delete,
        }
    }
}

impl From<Field> for FieldName {
    fn from(field: Field) -> Self {
        match field {
            Field::MachineType => FieldName::MachineType,
            Field::Scaling => FieldName::Scaling,
            Field::Labels => FieldName::Labels,
            Field::Taints => FieldName::Taints,
            Field::Spot => FieldName::Spot,
            Field::Gpu => FieldName::Gpu,
            Field::DiskGb => FieldName::DiskGb,
            Field::Zones => FieldName::Zones,
            Field::Tags => FieldName::Tags,
            Field::ImageType => FieldName::ImageType,
            Field::ServiceAccount => FieldName::ServiceAccount,
            Field::OauthScopes => FieldName::OauthScopes,
            Field::DiskType => FieldName::DiskType,
            Field::MaxPodsPerNode => FieldName::MaxPodsPerNode,
            Field::OsSku => FieldName::OsSku,
            Field::MaxPods => FieldName::MaxPods,
            Field::OsDiskType => FieldName::OsDiskType,
            Field::VnetSubnetId => FieldName::VnetSubnetId,
            Field::Mode => FieldName::Mode,
            Field::InstanceTypes => FieldName::InstanceTypes,
            Field::Subnets => FieldName::Subnets,
            Field::NodeRole => FieldName::NodeRole,
            Field::AmiType => FieldName::AmiType,
            Field::LaunchTemplateId => FieldName::LaunchTemplateId,
            Field::LaunchTemplateName => FieldName::LaunchTemplateName,
            Field::LaunchTemplateVersion => FieldName::LaunchTemplateVersion,
        }
    }
}

impl From<&Reason> for ReasonDocument {
    fn from(reason: &Reason) -> Self {
        match reason {
            Reason::NotInBlueprint => ReasonDocument {
                kind: ReasonKind::NotInBlueprint,
                fields: Vec::new(),
            },
            Reason::Adopt => ReasonDocument {
                kind: ReasonKind::Adopt,
                fields: Vec::new(),
            },
            Reason::CannotUpdate { fields } => ReasonDocument {
                kind: ReasonKind::CannotUpdate,
                fields: fields.iter().copied().map(FieldName::from).collect(),
            },
            Reason::Leftover => ReasonDocument {
                kind: ReasonKind::Leftover,
                fields: Vec::new(),
            },
            Reason::Failed => ReasonDocument {
                kind: ReasonKind::Failed,
                fields: Vec::new(),
            },
            Reason::Destroy => ReasonDocument {
                kind: ReasonKind::Destroy,
                fields: Vec::new(),
            },
        }
    }
}

impl From<&PoolChange> for PoolChangeDocument {
    fn from(change: &PoolChange) -> Self {
        PoolChangeDocument {
            pool: change.pool.clone(),
            cloud_name: change.cloud_name.clone(),
            action: change.action.into(),
            reason: change.reason.as_ref().map(ReasonDocument::from),
            replace_strategy: change.replace_strategy.map(|s| match s {
                ReplaceStrategy::CreateBeforeDestroy => ReplaceStrategyName::CreateBeforeDestroy,
                ReplaceStrategy::DeleteFirst => ReplaceStrategyName::DeleteFirst,
            }),
            core: change.core,
            field_changes: change
                .field_changes
                .iter()
                .map(|f| FieldChangeDocument {
                    field: f.field.into(),
                    old: f.old.clone(),
                    new: f.new.clone(),
                    how: f.how.clone(),
                    forces_replacement: f.forces_replacement,
                })
                .collect(),
            desired: change.desired.as_ref().map(PoolDocument::from),
            live: change.live.as_ref().map(PoolDocument::from),
            health: change.health.as_ref().map(|h| HealthDocument {
                state: match h.state {
                    PoolState::Ready => PoolStateName::Ready,
                    PoolState::Busy => PoolStateName::Busy,
                    PoolState::Degraded => PoolStateName::Degraded,
                    PoolState::Failed => PoolStateName::Failed,
                },
                status: h.status.clone(),
                message: h.message.clone(),
            }),
        }
    }
}

impl From<&PoolSpec> for PoolDocument {
    fn from(spec: &PoolSpec) -> Self {
        PoolDocument {
            name: spec.name.clone(),
            machine_type: spec.machine_type.clone(),
            scaling: match spec.scaling {
                Scaling::Fixed { nodes } => ScalingDocument::Fixed { nodes },
                Scaling::Autoscale { min, max } => ScalingDocument::Autoscale { min, max },
            },
            labels: spec.labels.clone(),
            taints: spec.taints.iter().map(ToString::to_string).collect(),
            spot: spec.spot,
            gpu: spec.gpu.as_ref().map(|g| GpuDocument {
                kind: g.kind.clone(),
                count: g.count,
            }),
            disk_gb: spec.disk_gb,
            zones: spec.zones.clone(),
            tags: spec.tags.clone(),
            provider_settings: spec
                .extras
                .iter()
                .map(|(field, value)| {
                    let value = match value {
                        ExtraValue::Text(text) => SettingValue::Text(text.clone()),
                        ExtraValue::Count(n) => SettingValue::Count(*n),
                        ExtraValue::List(items) => SettingValue::List(items.clone()),
                    };
                    (field.blueprint_key().to_string(), value)
                })
                .collect(),
        }
    }
}

/// The plan for one cluster as a JSON document ([`PlanDocument`]).
///
/// Without serde_json's `preserve_order` feature a `Value` sorts object keys; serialize
/// [`PlanDocument::new`] directly to keep the documented order.
pub fn json(plan: &Plan) -> serde_json::Value {
    to_value(&PlanDocument::new(plan))
}

/// The plans for several clusters as one JSON document ([`FleetDocument`]).
pub fn json_fleet(plans: &[Plan]) -> serde_json::Value {
    to_value(&FleetDocument::new(plans))
}

fn to_value<T: Serialize>(document: &T) -> serde_json::Value {
    // Only strings, numbers, booleans and string-keyed maps: serializing cannot fail.
    serde_json::to_value(document).expect("plan documents serialize")
}

/// The JSON Schema (draft 2020-12) of both documents: a single-cluster plan or a fleet.
/// docs/plan.schema.json holds its output; a test keeps the two equal.
pub fn plan_json_schema() -> serde_json::Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let cluster = generator.subschema_for::<PlanDocument>();
    let fleet = generator.subschema_for::<FleetDocument>();
    let definitions = generator.take_definitions(true);
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "poolctl plan",
        "description": "The output of `poolctl plan --json`: the plan for one cluster, or for several clusters planned in one run. See docs/plan-json.md.",
        "oneOf": [cluster, fleet],
        "$defs": definitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use poolctl_provider::{Effect, Gpu, Taint};

    fn spec() -> PoolSpec {
        PoolSpec {
            name: "gpu".into(),
            machine_type: "g2-standard-8".into(),
            scaling: Scaling::Autoscale { min: 0, max: 4 },
            labels: BTreeMap::new(),
            taints: vec![Taint::new("nvidia.com/gpu", "", Effect::NoSchedule)],
            spot: true,
            gpu: Some(Gpu {
                kind: "nvidia-l4".into(),
                count: 1,
            }),
            disk_gb: None,
            zones: Vec::new(),
            tags: BTreeMap::new(),
            extras: BTreeMap::new(),
        }
    }

    #[test]
    fn pools_use_their_own_stable_names() {
        let value = serde_json::to_value(PoolDocument::from(&spec())).expect("serializes");
        assert_eq!(
            value["scaling"],
            serde_json::json!({"mode": "autoscale", "min": 0, "max": 4})
        );
        assert_eq!(
            value["taints"],
            serde_json::json!(["nvidia.com/gpu:NoSchedule"])
        );
        assert_eq!(
            value["gpu"],
            serde_json::json!({"type": "nvidia-l4", "count": 1})
        );
        assert_eq!(value["disk_gb"], serde_json::Value::Null);
    }

    #[test]
    fn the_version_is_the_string_one() {
        assert_eq!(
            serde_json::to_value(FormatVersion::V2).expect("serializes"),
            serde_json::json!(FORMAT_VERSION)
        );
    }

    #[test]
    fn an_empty_fleet_sums_to_nothing() {
        let fleet = FleetDocument::new(&[]);
        assert_eq!(fleet.summary, ChangeCounts::default());
        assert_eq!(json_fleet(&[])["clusters"], serde_json::json!([]));
    }
}

//! The diff: desired pools from the blueprint against live pools from the cloud, field by
//! field, using the provider's capability table to choose update in place or replacement.

use super::ownership::{
    find_live, is_managed, ownership_tags, tagged_core, tagged_protected, POOLCTL_TAGS,
};
use super::{Action, FieldChange, Plan, PoolChange, Reason, UpdateCall, PART_OF_NEW_POOL};
use crate::blueprint::{Blueprint, BlueprintError, PoolClass, ProviderKind, ReplaceStrategy};
use poolctl_provider::autoscaler_tags::is_node_template_tag;
use poolctl_provider::{
    owned::with_live_cloud_owned, replacement_name, without_cloud_owned, Capability,
    CapabilityTable, Field, Gpu, Health, LivePool, PoolSpec, PoolState, PoolUpdate, Provider,
    ProviderError, Scaling, Taint,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanError {
    #[error("cannot read the live node pools")]
    Provider {
        #[source]
        source: ProviderError,
        #[help]
        help: Option<String>,
    },

    /// The blueprint does not fit the live cluster (checked once its zones are known), or
    /// the plan would replace or delete a protected pool.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Blueprint(#[from] BlueprintError),

    /// Protected pools that are no longer in the blueprint, so no line points at them.
    #[error("{}", .0.join("\n"))]
    #[diagnostic(
        code(poolctl::plan::protected),
        help("nothing was planned. Put the pool back in the blueprint, or apply it once with `protect = false` before removing it")
    )]
    ProtectedPoolsGone(Vec<String>),
}

impl From<ProviderError> for PlanError {
    fn from(source: ProviderError) -> Self {
        PlanError::Provider {
            help: source.help(),
            source,
        }
    }
}

/// Fields in the order their updates are applied: ownership first (so an interrupted
/// apply still knows the pool is poolctl's), node-disrupting changes late, size last.
pub(crate) const UPDATE_ORDER: [Field; 26] = [
    Field::Tags,
    Field::Labels,
    Field::Taints,
    Field::MachineType,
    Field::DiskGb,
    Field::DiskType,
    Field::ImageType,
    Field::Gpu,
    Field::Spot,
    Field::ServiceAccount,
    Field::OauthScopes,
    Field::MaxPodsPerNode,
    Field::OsSku,
    Field::MaxPods,
    Field::OsDiskType,
    Field::VnetSubnetId,
    Field::Mode,
    Field::InstanceTypes,
    Field::Subnets,
    Field::NodeRole,
    Field::AmiType,
    Field::LaunchTemplateId,
    Field::LaunchTemplateName,
    Field::LaunchTemplateVersion,
    Field::Zones,
    Field::Scaling,
];

/// A blueprint pool ready to be diffed: its logical name and full desired spec.
#[derive(Debug, Clone)]
pub struct DesiredPool {
    pub logical: String,
    pub spec: PoolSpec,
    pub core: bool,
    pub replace: ReplaceStrategy,
}

/// A plan and the live pools it was made from (for saved plans' fingerprints).
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    pub live: Vec<LivePool>,
}

/// Reads the live pools of the blueprint's cluster and plans the changes.
pub async fn plan_cluster(
    blueprint: &Blueprint,
    provider: &dyn Provider,
) -> Result<Planned, PlanError> {
    // Independent reads go out together: on a fleet plan, each cluster's critical path
    // is then one round trip shorter.
    let (live, cluster_zones) =
        futures::join!(provider.list_pools(), cluster_zones(blueprint, provider));
    let live = live?;
    let cluster_zones = cluster_zones?;
    // A pool that names no zones is meant to run in the cluster's: a live pool in other
    // zones (the blueprint's `zones` removed, say) differs from that.
    let mut desired = desired_pools(blueprint);
    for want in desired.iter_mut().filter(|d| d.spec.zones.is_empty()) {
        want.spec.zones = cluster_zones.clone();
    }
    let plan = diff_pools(
        provider.kind(),
        &blueprint.cluster.name,
        &desired,
        &live,
        provider.capabilities(),
    );
    check_protected(blueprint, &plan)?;
    Ok(Planned { plan, live })
}

/// Refuses a plan that replaces or deletes a protected pool: `protect = true` in the
/// blueprint, or the protect tag on a live pool the blueprint no longer lists.
fn check_protected(blueprint: &Blueprint, plan: &Plan) -> Result<(), PlanError> {
    let mut located = Vec::new();
    let mut gone = Vec::new();
    for change in &plan.changes {
        let pool = blueprint.pools.iter().find(|p| p.name == change.pool);
        match (change.action, pool) {
            (Action::Replace, Some(pool))
                if pool.protect && change.reason == Some(Reason::Failed) =>
            {
                let health = change
                    .health
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                located.push((
                    pool,
                    format!(
                        "pool {} is protected, but the cloud reports it failed ({health}) and \
                         this plan must create it again",
                        pool.name
                    ),
                ));
            }
            (Action::Replace, Some(pool)) if pool.protect => {
                let forcing: Vec<String> = change
                    .field_changes
                    .iter()
                    .filter(|f| f.forces_replacement)
                    .map(|f| format!("`{}` ({} -> {}: {})", f.field, f.old, f.new, f.how))
                    .collect();
                located.push((
                    pool,
                    format!(
                        "pool {} is protected, but this plan must replace it: {}",
                        pool.name,
                        forcing.join("; ")
                    ),
                ));
            }
            (Action::Delete, _) if change.live.as_ref().is_some_and(tagged_protected) => {
                match pool {
                    // A leftover of a protected pool's logical name.
                    Some(pool) if pool.protect => located.push((
                        pool,
                        format!(
                            "pool {} is protected, but this plan must delete its duplicate {}",
                            pool.name, change.cloud_name
                        ),
                    )),
                    _ => gone.push(format!(
                        "pool {} ({}) is protected (its tag {}=true says it was applied with \
                         `protect = true`), but it is no longer in the blueprint: poolctl \
                         will not delete it",
                        change.pool,
                        change.cloud_name,
                        super::PROTECT_TAG
                    )),
                }
            }
            _ => {}
        }
    }
    if !located.is_empty() {
        return Err(PlanError::Blueprint(
            blueprint.protected_pool_errors(
                located
                    .iter()
                    .map(|(pool, message)| (*pool, message.as_str())),
            ),
        ));
    }
    if !gone.is_empty() {
        return Err(PlanError::ProtectedPoolsGone(gone));
    }
    Ok(())
}

/// The blueprint's pools as the diff wants them: with poolctl's ownership tags.
pub fn desired_pools(blueprint: &Blueprint) -> Vec<DesiredPool> {
    blueprint
        .pools
        .iter()
        .map(|pool| {
            let mut spec = pool.spec.clone();
            spec.tags.extend(ownership_tags(
                &pool.name,
                &blueprint.cluster.name,
                pool.class.as_str(),
                pool.protect,
            ));
            DesiredPool {
                logical: pool.name.clone(),
                spec,
                core: pool.class == PoolClass::Core,
                replace: pool.replace,
            }
        })
        .collect()
}

/// The zones a pool that names none runs in, read from the cluster only when some pool
/// names none; the blueprint's counts are then checked against them (GKE counts per zone).
async fn cluster_zones(
    blueprint: &Blueprint,
    provider: &dyn Provider,
) -> Result<Vec<String>, PlanError> {
    let location_to_check =
        blueprint.cluster.provider == ProviderKind::Aks && blueprint.cluster.location.is_some();
    if !location_to_check && blueprint.pools.iter().all(|p| !p.spec.zones.is_empty()) {
        return Ok(Vec::new());
    }
    let info = provider.cluster().await?;
    blueprint.check_cluster_location(info.location.as_deref())?;
    let mut zones = info.zones;
    zones.sort();
    blueprint.check_cluster_zones(&zones)?;
    Ok(zones)
}

/// The pure diff: no I/O, so it can be tested against any live state.
pub fn diff_pools(
    provider: &str,
    cluster: &str,
    desired: &[DesiredPool],
    live: &[LivePool],
    capabilities: &CapabilityTable,
) -> Plan {
    let mut taken = vec![false; live.len()];
    let mut changes = Vec::new();
    // A derived name must not be one the cluster or the blueprint already uses.
    let names_in_use: BTreeSet<&str> = live
        .iter()
        .map(|p| p.spec.name.as_str())
        .chain(desired.iter().map(|d| d.spec.name.as_str()))
        .collect();
    for want in desired {
        let candidates = find_live(live, &taken, &want.logical, &want.spec.name, cluster);
        // Two pools with one logical name are what an interrupted create-before-destroy
        // leaves behind: keep the one closest to the blueprint, delete the others.
        let best = candidates
            .iter()
            .copied()
            .min_by_key(|&i| differing_fields(provider, &want.spec, &live[i].spec));
        let Some(best) = best else {
            changes.push(PoolChange {
                pool: want.logical.clone(),
                cloud_name: want.spec.name.clone(),
                action: Action::Create,
                reason: None,
                field_changes: Vec::new(),
                calls: Vec::new(),
                desired: Some(want.spec.clone()),
                live: None,
                core: want.core,
                replace_strategy: None,
                health: None,
            });
            continue;
        };
        for &i in &candidates {
            taken[i] = true;
            if i != best {
                changes.push(delete(&live[i], want.logical.clone(), Reason::Leftover));
            }
        }
        changes.push(diff_one(
            provider,
            want,
            &live[best],
            &names_in_use,
            cluster,
            capabilities,
        ));
    }
    let mut unmanaged = Vec::new();
    for (i, pool) in live.iter().enumerate() {
        if taken[i] {
            continue;
        }
        if is_managed(&pool.spec, cluster) {
            let logical = pool
                .spec
                .tags
                .get(super::POOL_TAG)
                .cloned()
                .unwrap_or_else(|| pool.spec.name.clone());
            changes.push(delete(pool, logical, Reason::NotInBlueprint));
        } else {
            unmanaged.push(pool.spec.name.clone());
        }
    }
    // In the order apply runs them (Plan::steps): creates and updates, core pools first
    // (system services need somewhere to run), then delete-first replacements, deletes last.
    changes.sort_by_key(|c| {
        let phase = match c.action {
            Action::Delete => 2,
            Action::Replace if !c.creates_beside() => 1,
            _ => 0,
        };
        // Core pools are created first and deleted last: system services keep their
        // nodes for as long as anything else runs.
        let core_order = if phase == 2 { c.core } else { !c.core };
        (phase, core_order, c.pool.clone())
    });
    Plan {
        provider: provider.to_string(),
        cluster: cluster.to_string(),
        changes,
        unmanaged,
        targets: Vec::new(),
    }
}

fn delete(pool: &LivePool, logical: String, reason: Reason) -> PoolChange {
    PoolChange {
        pool: logical,
        cloud_name: pool.spec.name.clone(),
        action: Action::Delete,
        reason: Some(reason),
        field_changes: Vec::new(),
        calls: Vec::new(),
        desired: None,
        live: Some(pool.spec.clone()),
        core: tagged_core(&pool.spec),
        replace_strategy: None,
        health: unhealthy(pool),
    }
}

/// The pool's health, when it is anything but ready.
fn unhealthy(pool: &LivePool) -> Option<Health> {
    (pool.health.state != PoolState::Ready).then(|| pool.health.clone())
}

/// How many fields of a live pool differ from the blueprint, what the cloud owns aside.
fn differing_fields(provider: &str, want: &PoolSpec, have: &PoolSpec) -> usize {
    let (want, have) = (
        without_cloud_owned(provider, want),
        without_cloud_owned(provider, have),
    );
    UPDATE_ORDER
        .iter()
        .filter(|f| compare(**f, &want, &have).is_some())
        .count()
}

fn diff_one(
    provider: &str,
    want: &DesiredPool,
    live: &LivePool,
    names_in_use: &BTreeSet<&str>,
    cluster: &str,
    capabilities: &CapabilityTable,
) -> PoolChange {
    let have = &live.spec;
    let mut wanted = want.spec.clone();
    // Labels and taints the cloud adds itself are no difference, whether or not the
    // blueprint states them; updates still send the whole desired set, since GKE and AKS
    // replace the set and would drop what the update leaves out.
    let (bare_want, bare_have) = (
        without_cloud_owned(provider, &wanted),
        without_cloud_owned(provider, have),
    );
    let sent = with_live_cloud_owned(provider, &wanted, have);
    let mut field_changes = Vec::new();
    let mut updates = Vec::new();
    for field in UPDATE_ORDER {
        let Some((old, new, _)) = compare(field, &bare_want, &bare_have) else {
            continue;
        };
        let update = compare(field, &sent, have).and_then(|(_, _, update)| update);
        let (how, forces_replacement) = match (capabilities.get(field), &update) {
            (Capability::InPlace { .. }, Some(update)) => {
                updates.push((field, update.clone()));
                (String::new(), false)
            }
            (Capability::InPlace { .. }, None) => {
                ("no in-place update exists for this field".to_string(), true)
            }
            (Capability::Replace { why } | Capability::Unsupported { why }, _) => {
                (why.to_string(), true)
            }
        };
        field_changes.push(FieldChange {
            field,
            old,
            new,
            how,
            forces_replacement,
        });
    }
    let replace_fields: Vec<Field> = field_changes
        .iter()
        .filter(|c| c.forces_replacement)
        .map(|c| c.field)
        .collect();
    // A pool the cloud reports failed is created again, whatever its settings; it serves
    // nothing, so it goes first and its successor keeps its name.
    let failed = live.health.state == PoolState::Failed;
    let calls = if replace_fields.is_empty() && !failed {
        group_calls(capabilities, updates, have.scaling)
    } else {
        for change in field_changes.iter_mut().filter(|c| !c.forces_replacement) {
            change.how = PART_OF_NEW_POOL.to_string();
        }
        Vec::new()
    };
    for call in &calls {
        for change in field_changes
            .iter_mut()
            .filter(|c| call.fields.contains(&c.field))
        {
            change.how = call.call.clone();
        }
    }
    let adopt = !is_managed(have, cluster);
    let mut replace_strategy = None;
    let (action, reason) = if failed {
        replace_strategy = Some(ReplaceStrategy::DeleteFirst);
        wanted.name = have.name.clone();
        (Action::Replace, Some(Reason::Failed))
    } else if !replace_fields.is_empty() {
        replace_strategy = Some(want.replace);
        wanted.name = match want.replace {
            // The new pool must exist beside the old one, so it needs a name of its own;
            // it carries the same logical-name tag, which is how later plans find it.
            ReplaceStrategy::CreateBeforeDestroy => {
                let mut seed = serde_json::to_string(&wanted).unwrap_or_default();
                let mut name = replacement_name(provider, &have.name, &want.logical, &seed);
                while names_in_use.contains(name.as_str()) {
                    seed.push('\'');
                    name = replacement_name(provider, &have.name, &want.logical, &seed);
                }
                name
            }
            ReplaceStrategy::DeleteFirst => have.name.clone(),
        };
        (
            Action::Replace,
            Some(Reason::CannotUpdate {
                fields: replace_fields,
            }),
        )
    } else if field_changes.is_empty() {
        (Action::NoOp, None)
    } else if adopt {
        (Action::Update, Some(Reason::Adopt))
    } else {
        (Action::Update, None)
    };
    if action != Action::Replace {
        // An existing pool keeps its cloud name, whatever the blueprint's key says.
        wanted.name = have.name.clone();
    }
    PoolChange {
        pool: want.logical.clone(),
        cloud_name: have.name.clone(),
        action,
        reason,
        field_changes,
        calls,
        desired: Some(wanted),
        live: Some(have.clone()),
        core: want.core,
        replace_strategy,
        health: unhealthy(live),
    }
}

/// Turns the in-place updates of one pool, in update order, into the calls that make
/// them: fields the capability table batches under the same call share one request.
fn group_calls(
    capabilities: &CapabilityTable,
    updates: Vec<(Field, PoolUpdate)>,
    live_scaling: Scaling,
) -> Vec<UpdateCall> {
    struct Pending {
        call: &'static str,
        batch: bool,
        sends: Vec<&'static str>,
        shown: Option<String>,
        fields: Vec<Field>,
        updates: Vec<PoolUpdate>,
    }
    let mut pending: Vec<Pending> = Vec::new();
    for (field, update) in updates {
        let Capability::InPlace { call, sends, batch } = capabilities.get(field) else {
            continue;
        };
        // Scaling moves through different calls depending on where the pool comes from
        // and goes to: name the one (or two) it makes.
        let shown = match (&update, field) {
            (PoolUpdate::Scaling(to), Field::Scaling) => {
                let calls = capabilities.scaling;
                Some(
                    match (live_scaling, to) {
                        (_, Scaling::Autoscale { .. }) => calls.to_autoscale,
                        (Scaling::Fixed { .. }, Scaling::Fixed { .. }) => calls.resize,
                        (Scaling::Autoscale { .. }, Scaling::Fixed { .. }) => {
                            calls.autoscale_to_fixed
                        }
                    }
                    .to_string(),
                )
            }
            _ => None,
        };
        let joined = pending
            .iter_mut()
            .find(|p| batch && p.batch && p.call == call && shown.is_none());
        match joined {
            Some(p) => {
                p.sends.push(sends);
                p.fields.push(field);
                p.updates.push(update);
            }
            None => pending.push(Pending {
                call,
                batch,
                sends: vec![sends],
                shown,
                fields: vec![field],
                updates: vec![update],
            }),
        }
    }
    pending
        .into_iter()
        .map(|p| {
            let sends: Vec<&str> = p.sends.into_iter().filter(|s| !s.is_empty()).collect();
            UpdateCall {
                call: p
                    .shown
                    .unwrap_or_else(|| Capability::describe_call(p.call, &sends.join(", "))),
                fields: p.fields,
                updates: p.updates,
            }
        })
        .collect()
}

/// One field's old and new value and the update that makes it, or `None` when the live
/// pool already matches. A field the blueprint leaves to the cloud (disk size, zones) is
/// never a difference.
fn compare(
    field: Field,
    want: &PoolSpec,
    have: &PoolSpec,
) -> Option<(String, String, Option<PoolUpdate>)> {
    match field {
        Field::MachineType => (want.machine_type != have.machine_type).then(|| {
            (
                have.machine_type.clone(),
                want.machine_type.clone(),
                Some(PoolUpdate::MachineType(want.machine_type.clone())),
            )
        }),
        // With autoscaling on, only the bounds are compared: the node count is the
        // autoscaler's, and the model does not even carry it.
        Field::Scaling => (want.scaling != have.scaling).then(|| {
            (
                have.scaling.to_string(),
                want.scaling.to_string(),
                Some(PoolUpdate::Scaling(want.scaling)),
            )
        }),
        Field::Labels => (want.labels != have.labels).then(|| {
            (
                show_map(&have.labels),
                show_map(&want.labels),
                Some(PoolUpdate::Labels(want.labels.clone())),
            )
        }),
        Field::Taints => (want.taints != have.taints).then(|| {
            (
                show_taints(&have.taints),
                show_taints(&want.taints),
                Some(PoolUpdate::Taints(want.taints.clone())),
            )
        }),
        Field::Spot => {
            (want.spot != have.spot).then(|| (have.spot.to_string(), want.spot.to_string(), None))
        }
        Field::Gpu => (want.gpu != have.gpu).then(|| {
            (
                show_gpu(&have.gpu),
                show_gpu(&want.gpu),
                Some(PoolUpdate::Gpu(want.gpu.clone())),
            )
        }),
        Field::DiskGb => match want.disk_gb {
            Some(disk) if have.disk_gb != Some(disk) => Some((
                have.disk_gb
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "default".into()),
                disk.to_string(),
                Some(PoolUpdate::DiskGb(disk)),
            )),
            _ => None,
        },
        Field::Zones => (!want.zones.is_empty() && want.zones != have.zones).then(|| {
            (
                show_list(&have.zones),
                show_list(&want.zones),
                Some(PoolUpdate::Zones(want.zones.clone())),
            )
        }),
        // Other tools' tags on a pool are kept: only poolctl's own must match, and a
        // poolctl tag the blueprint no longer implies (protect, or the autoscaler's
        // node-template tag of a label that is gone) is removed.
        Field::Tags => {
            let mut merged = have.tags.clone();
            merged.retain(|k, _| {
                let owned = POOLCTL_TAGS.contains(&k.as_str()) || is_node_template_tag(k);
                !owned || want.tags.contains_key(k)
            });
            merged.extend(want.tags.clone());
            // Only the tags that differ are shown: a pool carries many (EKS's autoscaler
            // tags, other tools'), and the full maps would hide the change.
            (merged != have.tags).then(|| {
                let differs = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
                    a.iter()
                        .filter(|(k, v)| b.get(*k) != Some(*v))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<BTreeMap<_, _>>()
                };
                (
                    show_map(&differs(&have.tags, &merged)),
                    show_map(&differs(&merged, &have.tags)),
                    Some(PoolUpdate::Tags(merged)),
                )
            })
        }
        // A provider extra the blueprint leaves out keeps the cloud's value: never a
        // difference, like `disk_gb`.
        extra @ (Field::ImageType
        | Field::ServiceAccount
        | Field::OauthScopes
        | Field::DiskType
        | Field::MaxPodsPerNode
        | Field::OsSku
        | Field::MaxPods
        | Field::OsDiskType
        | Field::VnetSubnetId
        | Field::Mode
        | Field::InstanceTypes
        | Field::Subnets
        | Field::NodeRole
        | Field::AmiType
        | Field::LaunchTemplateId
        | Field::LaunchTemplateName
        | Field::LaunchTemplateVersion) => {
            let wanted = want.extras.get(&extra)?;
            let live = have.extras.get(&extra);
            (live != Some(wanted)).then(|| {
                (
                    live.map(ToString::to_string)
                        .unwrap_or_else(|| "default".into()),
                    wanted.to_string(),
                    Some(PoolUpdate::Extra {
                        field: extra,
                        value: wanted.clone(),
                    }),
                )
            })
        }
    }
}

fn show_map(map: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn show_taints(taints: &[Taint]) -> String {
    let inner: Vec<String> = taints.iter().map(Taint::to_string).collect();
    format!("[{}]", inner.join(", "))
}

fn show_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn show_gpu(gpu: &Option<Gpu>) -> String {
    match gpu {
        Some(g) => format!("{} x{}", g.kind, g.count),
        None => "none".into(),
    }
}

//! Unit tests of the diff over the normalized model, with no cloud at all.

use super::diff::{diff_pools, DesiredPool};
use super::ownership::ownership_tags;
use super::{Action, Reason};
use crate::blueprint::ReplaceStrategy;
use poolctl_provider::{
    Capability, CapabilityTable, Effect, Field, LivePool, PoolSpec, PoolUpdate, Scaling, Taint,
};
use std::collections::BTreeMap;

static TABLE: CapabilityTable = CapabilityTable {
    provider: "test",
    entries: &[
        (Field::Labels, Capability::InPlace { call: "labels" }),
        (Field::Taints, Capability::InPlace { call: "taints" }),
        (Field::Scaling, Capability::InPlace { call: "scaling" }),
        (Field::Tags, Capability::InPlace { call: "tags" }),
        (Field::Spot, Capability::Replace { why: "fixed" }),
    ],
};

fn spec(name: &str) -> PoolSpec {
    PoolSpec {
        name: name.into(),
        machine_type: "n2-highmem-16".into(),
        scaling: Scaling::Autoscale { min: 0, max: 10 },
        labels: BTreeMap::from([("high-memory".into(), "true".into())]),
        taints: vec![Taint::new("high-memory", "true", Effect::NoExecute)],
        spot: false,
        gpu: None,
        disk_gb: None,
        zones: Vec::new(),
        tags: ownership_tags(name, "c"),
    }
}

fn desired(spec: PoolSpec) -> DesiredPool {
    DesiredPool {
        logical: spec.name.clone(),
        spec,
        core: false,
        replace: ReplaceStrategy::CreateBeforeDestroy,
    }
}

fn live(spec: PoolSpec) -> LivePool {
    LivePool {
        spec,
        status: "RUNNING".into(),
        version: None,
    }
}

#[test]
fn identical_pools_plan_nothing() {
    let plan = diff_pools("t", "c", &[desired(spec("a"))], &[live(spec("a"))], &TABLE);
    assert!(!plan.has_changes());
    assert_eq!(plan.changes[0].action, Action::NoOp);
}

#[test]
fn cloud_defaults_the_blueprint_leaves_open_are_not_differences() {
    let mut have = spec("a");
    have.disk_gb = Some(100);
    have.zones = vec!["z-b".into(), "z-c".into()];
    have.tags.insert("cost-center".into(), "42".into());
    let plan = diff_pools("t", "c", &[desired(spec("a"))], &[live(have)], &TABLE);
    assert!(!plan.has_changes(), "{plan:?}");
}

#[test]
fn a_taint_change_is_one_in_place_update_with_the_whole_new_set() {
    let mut want = spec("a");
    want.taints = vec![Taint::new("high-memory", "true", Effect::NoSchedule)];
    let plan = diff_pools(
        "t",
        "c",
        &[desired(want.clone())],
        &[live(spec("a"))],
        &TABLE,
    );
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.field_changes.len(), 1);
    assert_eq!(change.field_changes[0].field, Field::Taints);
    assert_eq!(
        change.field_changes[0].update,
        Some(PoolUpdate::Taints(want.taints))
    );
}

#[test]
fn a_field_the_cloud_cannot_update_forces_replacement() {
    let mut want = spec("a");
    want.spot = true;
    let plan = diff_pools("t", "c", &[desired(want)], &[live(spec("a"))], &TABLE);
    assert_eq!(plan.changes[0].action, Action::Replace);
    assert_eq!(
        plan.changes[0].reason,
        Some(Reason::CannotUpdate {
            fields: vec![Field::Spot]
        })
    );
}

#[test]
fn managed_pools_missing_from_the_blueprint_are_deleted_and_others_left_alone() {
    let mut foreign = spec("legacy");
    foreign.tags.clear();
    let mut other_cluster = spec("shared");
    other_cluster.tags = ownership_tags("shared", "another-cluster");
    let plan = diff_pools(
        "t",
        "c",
        &[],
        &[live(spec("old")), live(foreign), live(other_cluster)],
        &TABLE,
    );
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].action, Action::Delete);
    assert_eq!(plan.changes[0].pool, "old");
    assert_eq!(
        plan.unmanaged,
        vec!["legacy".to_string(), "shared".to_string()]
    );
}

#[test]
fn naming_an_unmanaged_pool_adopts_it() {
    let mut foreign = spec("a");
    foreign.tags.clear();
    let plan = diff_pools("t", "c", &[desired(spec("a"))], &[live(foreign)], &TABLE);
    assert_eq!(plan.changes[0].action, Action::Update);
    assert_eq!(plan.changes[0].reason, Some(Reason::Adopt));
    assert_eq!(plan.changes[0].field_changes[0].field, Field::Tags);
}

#[test]
fn the_logical_name_tag_wins_over_a_pool_with_the_same_name() {
    // `a` was replaced earlier by `a-x1`, which carries a's logical-name tag.
    let mut renamed = spec("a-x1");
    renamed.tags = ownership_tags("a", "c");
    let mut squatter = spec("a");
    squatter.tags.clear();
    let plan = diff_pools(
        "t",
        "c",
        &[desired(spec("a"))],
        &[live(squatter), live(renamed)],
        &TABLE,
    );
    let change = &plan.changes[0];
    assert_eq!(change.cloud_name, "a-x1");
    assert_eq!(plan.unmanaged, vec!["a".to_string()]);
}

#[test]
fn autoscaled_pools_differ_only_by_their_bounds() {
    let mut want = spec("a");
    want.scaling = Scaling::Autoscale { min: 0, max: 12 };
    let plan = diff_pools("t", "c", &[desired(want)], &[live(spec("a"))], &TABLE);
    let change = &plan.changes[0];
    assert_eq!(change.field_changes.len(), 1);
    assert_eq!(change.field_changes[0].old, "autoscale 0..10");
    assert_eq!(change.field_changes[0].new, "autoscale 0..12");
}

#[test]
fn core_pools_come_first_and_deletes_last() {
    let mut core = desired(spec("zcore"));
    core.core = true;
    let plan = diff_pools(
        "t",
        "c",
        &[desired(spec("b")), core],
        &[live(spec("a"))],
        &TABLE,
    );
    let order: Vec<(&str, Action)> = plan
        .changes
        .iter()
        .map(|c| (c.pool.as_str(), c.action))
        .collect();
    assert_eq!(
        order,
        vec![
            ("zcore", Action::Create),
            ("b", Action::Create),
            ("a", Action::Delete)
        ]
    );
}

#[test]
fn a_derived_replacement_name_never_takes_a_name_already_in_use() {
    let mut want = spec("a");
    want.spot = true;
    let first = diff_pools(
        "t",
        "c",
        &[desired(want.clone())],
        &[live(spec("a"))],
        &TABLE,
    );
    let derived = first.changes[0]
        .desired
        .as_ref()
        .map(|d| d.name.clone())
        .expect("a new pool");
    assert_ne!(derived, "a");

    // Someone already has a pool of that name.
    let mut squatter = spec(&derived);
    squatter.tags.clear();
    let second = diff_pools(
        "t",
        "c",
        &[desired(want)],
        &[live(spec("a")), live(squatter)],
        &TABLE,
    );
    let renamed = second.changes[0]
        .desired
        .as_ref()
        .map(|d| d.name.clone())
        .expect("a new pool");
    assert_eq!(second.changes[0].action, Action::Replace);
    assert_ne!(renamed, derived);
    assert_ne!(renamed, "a");
}

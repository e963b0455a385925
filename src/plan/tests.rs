//! Unit tests of the diff over the normalized model, with no cloud at all.

use super::diff::{diff_pools, DesiredPool, UPDATE_ORDER};
use super::ownership::ownership_tags;
use super::{Action, Hazard, Reason, PART_OF_NEW_POOL};
use crate::blueprint::ReplaceStrategy;
use poolctl_provider::{
    Capability, CapabilityTable, Effect, ExtraValue, Field, LivePool, PoolSpec, PoolUpdate,
    Scaling, ScalingCalls, Taint,
};
use std::collections::BTreeMap;

const fn in_place(call: &'static str) -> Capability {
    Capability::InPlace {
        call,
        sends: "",
        batch: false,
    }
}

const fn batched(sends: &'static str) -> Capability {
    Capability::InPlace {
        call: "PUT pool",
        sends,
        batch: true,
    }
}

static TABLE: CapabilityTable = CapabilityTable {
    provider: "test",
    entries: &[
        (Field::Labels, in_place("labels")),
        (Field::Taints, in_place("taints")),
        (Field::Scaling, in_place("scaling")),
        (Field::Tags, in_place("tags")),
        (Field::Spot, Capability::Replace { why: "fixed" }),
        (Field::MachineType, batched("machine")),
        (Field::DiskGb, batched("disk")),
        (Field::ImageType, in_place("image")),
        (
            Field::ServiceAccount,
            Capability::Replace {
                why: "account fixed",
            },
        ),
    ],
    scaling: ScalingCalls {
        to_autoscale: "set bounds",
        resize: "set size",
        autoscale_to_fixed: "bounds off, then size",
    },
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
        tags: ownership_tags(name, "c", "workload", false),
        extras: BTreeMap::new(),
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
        health: poolctl_provider::Health::ready("RUNNING"),
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
    assert_eq!(change.calls.len(), 1);
    assert_eq!(change.calls[0].updates, [PoolUpdate::Taints(want.taints)]);
    assert_eq!(change.field_changes[0].how, "taints");
}

#[test]
fn batched_fields_go_out_in_one_call_and_others_alone() {
    let mut want = spec("a");
    want.machine_type = "bigger".into();
    want.disk_gb = Some(200);
    want.labels.insert("team".into(), "ml".into());
    let plan = diff_pools("t", "c", &[desired(want)], &[live(spec("a"))], &TABLE);
    let change = &plan.changes[0];
    let calls: Vec<(&str, Vec<Field>)> = change
        .calls
        .iter()
        .map(|c| (c.call.as_str(), c.fields.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("labels", vec![Field::Labels]),
            (
                "PUT pool (machine, disk)",
                vec![Field::MachineType, Field::DiskGb]
            ),
        ]
    );
    assert_eq!(
        change.calls[1].updates,
        [
            PoolUpdate::MachineType("bigger".into()),
            PoolUpdate::DiskGb(200)
        ]
    );
}

#[test]
fn a_scaling_change_names_the_call_it_makes() {
    let cases = [
        (
            Scaling::Autoscale { min: 0, max: 10 },
            Scaling::Autoscale { min: 1, max: 10 },
            "set bounds",
        ),
        (
            Scaling::Fixed { nodes: 3 },
            Scaling::Fixed { nodes: 6 },
            "set size",
        ),
        (
            Scaling::Autoscale { min: 0, max: 10 },
            Scaling::Fixed { nodes: 3 },
            "bounds off, then size",
        ),
        (
            Scaling::Fixed { nodes: 3 },
            Scaling::Autoscale { min: 0, max: 10 },
            "set bounds",
        ),
    ];
    for (from, to, call) in cases {
        let mut have = spec("a");
        have.scaling = from;
        let mut want = spec("a");
        want.scaling = to;
        let plan = diff_pools("t", "c", &[desired(want)], &[live(have)], &TABLE);
        assert_eq!(plan.changes[0].field_changes[0].how, call, "{from} -> {to}");
    }
}

#[test]
fn provider_settings_differ_only_where_the_blueprint_sets_them() {
    let mut have = spec("a");
    have.extras
        .insert(Field::ImageType, ExtraValue::Text("COS_CONTAINERD".into()));
    have.extras
        .insert(Field::ServiceAccount, ExtraValue::Text("default".into()));
    let plan = diff_pools(
        "t",
        "c",
        &[desired(spec("a"))],
        &[live(have.clone())],
        &TABLE,
    );
    assert!(!plan.has_changes(), "silence keeps the cloud's values");

    let mut want = spec("a");
    want.extras.insert(
        Field::ImageType,
        ExtraValue::Text("UBUNTU_CONTAINERD".into()),
    );
    let plan = diff_pools(
        "t",
        "c",
        &[desired(want.clone())],
        &[live(have.clone())],
        &TABLE,
    );
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.field_changes[0].old, "COS_CONTAINERD");
    assert_eq!(
        change.calls[0].updates,
        [PoolUpdate::Extra {
            field: Field::ImageType,
            value: ExtraValue::Text("UBUNTU_CONTAINERD".into())
        }]
    );

    want.extras.insert(
        Field::ServiceAccount,
        ExtraValue::Text("nodes@acme.iam.gserviceaccount.com".into()),
    );
    let plan = diff_pools("t", "c", &[desired(want)], &[live(have)], &TABLE);
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Replace);
    assert!(
        change.calls.is_empty(),
        "a replacement makes no in-place call"
    );
    let how: Vec<(Field, &str)> = change
        .field_changes
        .iter()
        .map(|f| (f.field, f.how.as_str()))
        .collect();
    assert_eq!(
        how,
        [
            (Field::ImageType, PART_OF_NEW_POOL),
            (Field::ServiceAccount, "account fixed")
        ]
    );
}

#[test]
fn every_field_has_its_place_in_the_update_order() {
    for field in Field::ALL {
        assert_eq!(
            UPDATE_ORDER.iter().filter(|f| **f == field).count(),
            1,
            "{field}"
        );
    }
}

#[test]
fn deleting_a_core_pool_or_every_pool_is_a_hazard() {
    let mut core = spec("core");
    core.tags = ownership_tags("core", "c", "core", false);
    let plan = diff_pools(
        "t",
        "c",
        &[desired(spec("a"))],
        &[live(spec("a")), live(core.clone())],
        &TABLE,
    );
    assert_eq!(plan.hazards(), [Hazard::DeletesCorePool("core".into())]);
    let plan = diff_pools("t", "c", &[], &[live(spec("a"))], &TABLE);
    assert_eq!(plan.hazards(), [Hazard::DeletesEveryPool]);
    let plan = diff_pools("t", "c", &[desired(spec("a"))], &[live(spec("a"))], &TABLE);
    assert!(plan.hazards().is_empty());
}

#[test]
fn a_dropped_protect_tag_is_removed_and_other_tools_tags_stay() {
    let mut have = spec("a");
    have.tags = ownership_tags("a", "c", "workload", true);
    have.tags.insert("cost-center".into(), "42".into());
    let plan = diff_pools("t", "c", &[desired(spec("a"))], &[live(have)], &TABLE);
    let change = &plan.changes[0];
    assert_eq!(change.field_changes[0].field, Field::Tags);
    let PoolUpdate::Tags(sent) = &change.calls[0].updates[0] else {
        panic!("a tags update: {:?}", change.calls);
    };
    assert!(!sent.contains_key("poolctl-protect"));
    assert_eq!(sent.get("cost-center").map(String::as_str), Some("42"));
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
    other_cluster.tags = ownership_tags("shared", "another-cluster", "workload", false);
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
    renamed.tags = ownership_tags("a", "c", "workload", false);
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

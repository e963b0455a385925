//! UpdateNodegroupConfig takes changes, not whole values: the labels and taints to add or
//! update and those to remove, computed here from the live node group and the wanted
//! sets; and the scaling bounds, with `desiredSize` sent only when it must move into them.

use poolctl_provider::{Effect, Scaling, Taint};
use std::collections::{BTreeMap, BTreeSet};

/// `labels{addOrUpdateLabels, removeLabels}`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct LabelDelta {
    pub add_or_update: BTreeMap<String, String>,
    pub remove: Vec<String>,
}

impl LabelDelta {
    pub(crate) fn is_empty(&self) -> bool {
        self.add_or_update.is_empty() && self.remove.is_empty()
    }
}

pub(crate) fn label_delta(
    live: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> LabelDelta {
    LabelDelta {
        add_or_update: wanted
            .iter()
            .filter(|(k, v)| live.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        remove: live
            .keys()
            .filter(|k| !wanted.contains_key(*k))
            .cloned()
            .collect(),
    }
}

/// `taints{addOrUpdateTaints, removeTaints}`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct TaintDelta {
    pub add_or_update: Vec<Taint>,
    pub remove: Vec<Taint>,
}

impl TaintDelta {
    pub(crate) fn is_empty(&self) -> bool {
        self.add_or_update.is_empty() && self.remove.is_empty()
    }
}

/// EKS knows a taint by key and effect: a new value for the same pair is an update, not a
/// removal plus an addition.
pub(crate) fn taint_delta(live: &[Taint], wanted: &[Taint]) -> TaintDelta {
    let wanted_ids: BTreeSet<(&str, Effect)> =
        wanted.iter().map(|t| (t.key.as_str(), t.effect)).collect();
    TaintDelta {
        add_or_update: wanted
            .iter()
            .filter(|t| !live.contains(t))
            .cloned()
            .collect(),
        remove: live
            .iter()
            .filter(|t| !wanted_ids.contains(&(t.key.as_str(), t.effect)))
            .cloned()
            .collect(),
    }
}

/// `scalingConfig` of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sizes {
    pub min: i32,
    pub max: i32,
    /// `None`: left as it is (it belongs to the autoscaler).
    pub desired: Option<i32>,
}

/// The sizes to send for `wanted`, given the node group's live `desiredSize`.
///
/// A fixed size sets all three. Autoscaling bounds leave `desiredSize` to the autoscaler
/// unless it falls outside them, where it is clamped in: EKS rejects `minSize >
/// desiredSize` (and `desiredSize > maxSize`), and resetting it would drain or add nodes
/// behind the autoscaler's back.
pub(crate) fn sizes(wanted: Scaling, live_desired: Option<i32>) -> Sizes {
    match wanted {
        Scaling::Fixed { nodes } => {
            let n = to_i32(nodes);
            Sizes {
                min: n,
                max: n,
                desired: Some(n),
            }
        }
        Scaling::Autoscale { min, max } => {
            let (min, max) = (to_i32(min), to_i32(max));
            let desired = match live_desired {
                Some(d) if (min..=max).contains(&d) => None,
                Some(d) => Some(d.clamp(min, max.max(min))),
                // Nothing to keep: start at the floor, as a create does.
                None => Some(min),
            };
            Sizes { min, max, desired }
        }
    }
}

/// EKS sizes are int32; a blueprint's u32 beyond that is refused by EKS's own limits
/// (450 nodes per group) long before, so saturating changes nothing real.
pub(crate) fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Tags to set and tag keys to remove for the wanted full tag map.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct TagDelta {
    pub set: BTreeMap<String, String>,
    pub remove: Vec<String>,
}

pub(crate) fn tag_delta(
    live: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> TagDelta {
    TagDelta {
        set: wanted
            .iter()
            .filter(|(k, v)| live.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        // `aws:` keys belong to AWS: nobody may remove them.
        remove: live
            .keys()
            .filter(|k| !wanted.contains_key(*k) && !k.starts_with("aws:"))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_are_added_changed_and_removed() {
        let live = map(&[("team", "data"), ("tier", "batch"), ("old", "x")]);
        let wanted = map(&[("team", "data"), ("tier", "online"), ("new", "y")]);
        let delta = label_delta(&live, &wanted);
        assert_eq!(
            delta.add_or_update,
            map(&[("new", "y"), ("tier", "online")])
        );
        assert_eq!(delta.remove, vec!["old".to_string()]);
        assert!(label_delta(&wanted, &wanted).is_empty());
    }

    #[test]
    fn a_new_taint_value_is_an_update_not_a_removal() {
        let live = vec![
            Taint::new("dedicated", "gpu", Effect::NoSchedule),
            Taint::new("spot", "", Effect::PreferNoSchedule),
        ];
        let wanted = vec![Taint::new("dedicated", "ml", Effect::NoSchedule)];
        let delta = taint_delta(&live, &wanted);
        assert_eq!(
            delta.add_or_update,
            vec![Taint::new("dedicated", "ml", Effect::NoSchedule)]
        );
        assert_eq!(
            delta.remove,
            vec![Taint::new("spot", "", Effect::PreferNoSchedule)]
        );
    }

    #[test]
    fn the_same_key_with_another_effect_is_another_taint() {
        let live = vec![Taint::new("k", "v", Effect::NoSchedule)];
        let wanted = vec![Taint::new("k", "v", Effect::NoExecute)];
        let delta = taint_delta(&live, &wanted);
        assert_eq!(delta.add_or_update, wanted);
        assert_eq!(delta.remove, live);
        assert!(taint_delta(&wanted, &wanted).is_empty());
    }

    #[test]
    fn bounds_around_the_live_size_leave_it_to_the_autoscaler() {
        let s = sizes(Scaling::Autoscale { min: 1, max: 10 }, Some(4));
        assert_eq!(
            s,
            Sizes {
                min: 1,
                max: 10,
                desired: None
            }
        );
    }

    #[test]
    fn bounds_that_exclude_the_live_size_clamp_it() {
        let up = sizes(Scaling::Autoscale { min: 3, max: 10 }, Some(1));
        assert_eq!(up.desired, Some(3));
        let down = sizes(Scaling::Autoscale { min: 0, max: 2 }, Some(7));
        assert_eq!(down.desired, Some(2));
        let unknown = sizes(Scaling::Autoscale { min: 2, max: 5 }, None);
        assert_eq!(unknown.desired, Some(2));
    }

    #[test]
    fn a_fixed_size_sets_all_three() {
        assert_eq!(
            sizes(Scaling::Fixed { nodes: 3 }, Some(9)),
            Sizes {
                min: 3,
                max: 3,
                desired: Some(3)
            }
        );
    }

    #[test]
    fn tags_are_set_and_removed_but_aws_tags_are_kept() {
        let live = map(&[("a", "1"), ("b", "2"), ("aws:created", "x")]);
        let wanted = map(&[("a", "1"), ("b", "3"), ("c", "4")]);
        let delta = tag_delta(&live, &wanted);
        assert_eq!(delta.set, map(&[("b", "3"), ("c", "4")]));
        assert!(delta.remove.is_empty());
        let delta = tag_delta(&live, &map(&[]));
        assert_eq!(delta.remove, vec!["a".to_string(), "b".to_string()]);
    }
}

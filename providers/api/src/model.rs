//! The normalized node-pool model: what a pool is, independent of any cloud's wire format.
//! Desired pools (from a blueprint) and live pools (from a cloud) meet here to be diffed.

use crate::capability::{ExtraKind, Field};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Which cluster a provider talks to, as named in the blueprint's `[cluster]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterTarget {
    pub provider: String,
    pub name: String,
    /// GKE project, AKS subscription.
    pub project: Option<String>,
    /// AKS resource group of the managed cluster.
    #[serde(default)]
    pub resource_group: Option<String>,
    /// GKE region or zone, AKS resource group's region, EKS region.
    pub location: Option<String>,
    /// Base URL override (private endpoint, sovereign cloud, emulator).
    pub endpoint: Option<String>,
    /// GKE: base URL of the Compute API, where static pools' instance groups are read.
    /// Defaults to Google's, or to `endpoint` when that is a loopback emulator.
    #[serde(default)]
    pub compute_endpoint: Option<String>,
}

/// Facts about the live cluster that planning needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterInfo {
    /// Zones a pool lands in when the blueprint names none.
    pub zones: Vec<String>,
    /// Where the cluster runs, as the cloud names it (AKS `location`), when the provider
    /// reads it; a blueprint that states another location is refused by the plan.
    pub location: Option<String>,
}

/// How a pool is sized. Counts are totals for the whole pool, never per zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Scaling {
    /// Static size: min = max = nodes.
    Fixed { nodes: u32 },
    /// Autoscaled between bounds; the live node count belongs to the autoscaler.
    Autoscale { min: u32, max: u32 },
}

impl fmt::Display for Scaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scaling::Fixed { nodes } => write!(f, "size {nodes}"),
            Scaling::Autoscale { min, max } => write!(f, "autoscale {min}..{max}"),
        }
    }
}

/// A Kubernetes taint effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Effect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl Effect {
    pub const ALL: [Effect; 3] = [
        Effect::NoSchedule,
        Effect::PreferNoSchedule,
        Effect::NoExecute,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::NoSchedule => "NoSchedule",
            Effect::PreferNoSchedule => "PreferNoSchedule",
            Effect::NoExecute => "NoExecute",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node taint `key=value:Effect`; the value may be empty (`key:Effect`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: Effect,
}

impl Taint {
    pub fn new(key: impl Into<String>, value: impl Into<String>, effect: Effect) -> Self {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
        }
    }
}

impl fmt::Display for Taint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect)
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect)
        }
    }
}

/// Why a taint string did not parse; the syntax of key and value is checked elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseTaintError {
    #[error("a taint is written `key=value:Effect`, but `{0}` has no `:Effect` part")]
    MissingEffect(String),
    #[error("unknown taint effect `{0}`: use NoSchedule, PreferNoSchedule or NoExecute")]
    UnknownEffect(String),
    #[error("a taint needs a key before `=` or `:`")]
    EmptyKey,
}

impl FromStr for Taint {
    type Err = ParseTaintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key_value, effect) = s
            .rsplit_once(':')
            .ok_or_else(|| ParseTaintError::MissingEffect(s.to_string()))?;
        let effect = Effect::ALL
            .into_iter()
            .find(|e| e.as_str() == effect)
            .ok_or_else(|| ParseTaintError::UnknownEffect(effect.to_string()))?;
        let (key, value) = key_value.split_once('=').unwrap_or((key_value, ""));
        if key.is_empty() {
            return Err(ParseTaintError::EmptyKey);
        }
        Ok(Taint::new(key, value, effect))
    }
}

/// GPUs attached to every node of a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gpu {
    /// Accelerator type as the cloud names it (`nvidia-l4`).
    pub kind: String,
    pub count: u32,
}

/// The value of a provider extra (`image_type = "UBUNTU_CONTAINERD"`), as written in
/// `[pools.NAME.<provider>]` and as read back from the cloud.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExtraValue {
    Text(String),
    Count(u32),
    List(Vec<String>),
}

impl fmt::Display for ExtraValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtraValue::Text(text) => f.write_str(text),
            ExtraValue::Count(n) => write!(f, "{n}"),
            ExtraValue::List(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

/// A node pool as poolctl reasons about it. Collections are kept sorted so that two
/// specs compare equal exactly when they mean the same pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSpec {
    /// The cloud's pool name.
    pub name: String,
    pub machine_type: String,
    pub scaling: Scaling,
    pub labels: BTreeMap<String, String>,
    /// Sorted, without duplicates.
    pub taints: Vec<Taint>,
    pub spot: bool,
    pub gpu: Option<Gpu>,
    /// `None`: the cloud's default.
    pub disk_gb: Option<u32>,
    /// Sorted; empty means the cluster's zones.
    pub zones: Vec<String>,
    /// Cloud resource tags (GKE resource labels, AKS tags, EKS tags); carry ownership.
    pub tags: BTreeMap<String, String>,
    /// Provider extras ([`Field::is_extra`]). A blueprint holds the ones it sets (an
    /// absent key leaves the cloud's default, which is never a difference); a live pool
    /// holds every one its cloud reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extras: BTreeMap<Field, ExtraValue>,
}

impl PoolSpec {
    /// Sorts and deduplicates taints, zones and set-like extras so that equality means
    /// sameness.
    pub fn normalize(&mut self) {
        self.taints.sort();
        self.taints.dedup();
        self.zones.sort();
        self.zones.dedup();
        for (field, value) in &mut self.extras {
            if let (Some(ExtraKind::Set), ExtraValue::List(items)) = (field.extra_kind(), value) {
                items.sort();
                items.dedup();
            }
        }
    }
}

/// A pool as the cloud reports it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePool {
    pub spec: PoolSpec,
    pub health: Health,
    /// Kubernetes version of the nodes, when the cloud reports one.
    pub version: Option<String>,
}

/// Whether a pool can be used and changed now, the same for every cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolState {
    /// Running, nothing in progress.
    Ready,
    /// An operation is in progress (GKE PROVISIONING, RECONCILING, STOPPING; AKS Creating,
    /// Updating, Deleting; EKS CREATING, UPDATING, DELETING): its settings may still change,
    /// and a change must wait for it.
    Busy,
    /// Running, but the cloud reports problems (GKE RUNNING_WITH_ERROR, EKS DEGRADED).
    Degraded,
    /// Unusable (GKE ERROR, AKS Failed, EKS CREATE_FAILED): it must be created again.
    Failed,
}

/// A live pool's state, with the cloud's own words for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub state: PoolState,
    /// The cloud's status word (`RUNNING`, `Succeeded`, `CREATE_FAILED`, ...).
    pub status: String,
    /// What the cloud says about it (GKE statusMessage, AKS error, EKS health issues).
    pub message: Option<String>,
}

impl Health {
    pub fn ready(status: impl Into<String>) -> Self {
        Health {
            state: PoolState::Ready,
            status: status.into(),
            message: None,
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(message) if !message.is_empty() => write!(f, "{}: {message}", self.status),
            _ => f.write_str(&self.status),
        }
    }
}

/// One in-place change, as the plan asks a provider to make it. Each variant replaces
/// the whole value of its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum PoolUpdate {
    MachineType(String),
    DiskGb(u32),
    Labels(BTreeMap<String, String>),
    Taints(Vec<Taint>),
    Scaling(Scaling),
    Zones(Vec<String>),
    Gpu(Option<Gpu>),
    Tags(BTreeMap<String, String>),
    /// A provider extra that its cloud changes in place (GKE `image_type`, `disk_type`).
    Extra {
        field: Field,
        value: ExtraValue,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taints_round_trip_through_their_string_form() {
        for text in [
            "high-memory=true:NoExecute",
            "dedicated:NoSchedule",
            "a=:PreferNoSchedule",
        ] {
            let taint: Taint = text.parse().expect("valid taint");
            let again: Taint = taint.to_string().parse().expect("valid taint");
            assert_eq!(taint, again);
        }
        assert_eq!(
            "gpu=yes:NoExecute".parse::<Taint>(),
            Ok(Taint::new("gpu", "yes", Effect::NoExecute))
        );
    }

    #[test]
    fn bad_taints_say_what_is_wrong() {
        assert_eq!(
            "k=v".parse::<Taint>(),
            Err(ParseTaintError::MissingEffect("k=v".into()))
        );
        assert_eq!(
            "k=v:NoScheduled".parse::<Taint>(),
            Err(ParseTaintError::UnknownEffect("NoScheduled".into()))
        );
        assert_eq!(
            "=v:NoSchedule".parse::<Taint>(),
            Err(ParseTaintError::EmptyKey)
        );
    }
}

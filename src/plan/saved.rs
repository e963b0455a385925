//! Saved plans: a plan written to a file with fingerprints of everything it was made
//! from, so that `apply FILE` can refuse to run a plan the world has moved away from.

use super::Plan;
use poolctl_provider::LivePool;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `kind` of a saved-plan file, so that `apply` can tell it from anything else.
pub const SAVED_PLAN_KIND: &str = "poolctl-saved-plan";
pub const SAVED_PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedPlan {
    pub kind: String,
    pub format_version: u32,
    pub poolctl_version: String,
    /// Absolute path of the blueprint the plan was made from.
    pub blueprint: PathBuf,
    /// SHA-256 of the blueprint's text.
    pub blueprint_sha256: String,
    /// The plan was made against the embedded emulator.
    pub emulator: bool,
    /// Fingerprint of every live pool the plan saw, by cloud name. A pool that changed,
    /// vanished or appeared since makes the plan stale.
    pub live: BTreeMap<String, String>,
    pub plan: Plan,
}

/// What changed between a saved plan and the cloud (or the blueprint) now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    BlueprintChanged,
    PoolChanged(String),
    PoolGone(String),
    PoolAppeared(String),
}

impl std::fmt::Display for Staleness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Staleness::BlueprintChanged => write!(f, "the blueprint was edited"),
            Staleness::PoolChanged(p) => write!(f, "live pool {p} was changed"),
            Staleness::PoolGone(p) => write!(f, "live pool {p} was deleted"),
            Staleness::PoolAppeared(p) => write!(f, "live pool {p} appeared"),
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fingerprint of what a plan depends on in a live pool: its normalized spec. Status
/// words are left out: a pool moving from RECONCILING to RUNNING changes no decision.
pub fn fingerprint(pool: &LivePool) -> String {
    sha256_hex(
        serde_json::to_string(&pool.spec)
            .unwrap_or_default()
            .as_bytes(),
    )
}

pub fn fingerprints(live: &[LivePool]) -> BTreeMap<String, String> {
    live.iter()
        .map(|p| (p.spec.name.clone(), fingerprint(p)))
        .collect()
}

impl SavedPlan {
    pub fn new(
        plan: Plan,
        blueprint: &Path,
        blueprint_text: &str,
        emulator: bool,
        live: &[LivePool],
    ) -> Self {
        SavedPlan {
            kind: SAVED_PLAN_KIND.to_string(),
            format_version: SAVED_PLAN_VERSION,
            poolctl_version: env!("CARGO_PKG_VERSION").to_string(),
            blueprint: std::path::absolute(blueprint).unwrap_or_else(|_| blueprint.to_path_buf()),
            blueprint_sha256: sha256_hex(blueprint_text.as_bytes()),
            emulator,
            live: fingerprints(live),
            plan,
        }
    }

    /// Everything that moved since the plan was made; empty when it is still good.
    pub fn staleness(&self, blueprint_text: &str, live: &[LivePool]) -> Vec<Staleness> {
        let mut stale = Vec::new();
        if sha256_hex(blueprint_text.as_bytes()) != self.blueprint_sha256 {
            stale.push(Staleness::BlueprintChanged);
        }
        let now = fingerprints(live);
        for (name, print) in &self.live {
            match now.get(name) {
                None => stale.push(Staleness::PoolGone(name.clone())),
                Some(p) if p != print => stale.push(Staleness::PoolChanged(name.clone())),
                Some(_) => {}
            }
        }
        // A pool that appeared may be one the plan is about to create: a create would
        // then fail, or worse, adopt nothing and leave two pools.
        for name in now.keys() {
            if !self.live.contains_key(name) {
                stale.push(Staleness::PoolAppeared(name.clone()));
            }
        }
        stale
    }
}

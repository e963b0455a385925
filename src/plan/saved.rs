//! Saved plans: a plan written to a file with fingerprints of everything it was made
//! from, so that `apply FILE` can refuse to run a plan the world has moved away from.

use super::Plan;
use poolctl_provider::{LivePool, PoolState};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `kind` of a saved-plan file, so that `apply` can tell it from anything else.
pub const SAVED_PLAN_KIND: &str = "poolctl-saved-plan";
/// 2: the plan carries its blueprint (1 only pointed at the file).
pub const SAVED_PLAN_VERSION: u32 = 2;

/// A plan with everything `apply` needs to carry it out elsewhere (another CI job, another
/// runner, the folder moved): the blueprint itself, and fingerprints of what it was made
/// from, so that a plan the world has moved away from is refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedPlan {
    pub kind: String,
    pub format_version: u32,
    pub poolctl_version: String,
    pub blueprint: SavedBlueprint,
    /// The plan was made against the embedded emulator.
    pub emulator: bool,
    /// Fingerprint of every live pool the plan saw, by cloud name. A pool that changed,
    /// vanished or appeared since makes the plan stale.
    pub live: BTreeMap<String, String>,
    pub plan: Plan,
}

/// The blueprint a plan was made from, as it was then.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedBlueprint {
    /// The name diagnostics used for it (the path as given to `plan`).
    pub name: String,
    /// Its path from the saved plan's folder, when it was under the same root: where
    /// `apply` looks for it first, so that a folder that moved as a whole still finds it.
    pub relative_to_plan: Option<PathBuf>,
    /// Its absolute path when planned.
    pub path: PathBuf,
    /// Its text: `apply` needs nothing else.
    pub text: String,
    /// SHA-256 of `text`: an edited file on disk makes the plan stale.
    pub sha256: String,
}

/// What changed between a saved plan and the cloud (or the blueprint) now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    BlueprintChanged,
    PoolChanged(String),
    PoolGone(String),
    PoolAppeared(String),
    /// A pool the plan creates exists already: most likely the plan was applied before.
    CreatedAlready(String),
}

impl std::fmt::Display for Staleness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Staleness::BlueprintChanged => write!(f, "the blueprint was edited"),
            Staleness::PoolChanged(p) => write!(f, "live pool {p} was changed"),
            Staleness::PoolGone(p) => write!(f, "live pool {p} was deleted"),
            Staleness::PoolAppeared(p) => write!(f, "live pool {p} appeared"),
            Staleness::CreatedAlready(p) => write!(
                f,
                "pool {p}, which the plan creates, exists already (was this plan applied before?)"
            ),
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fingerprint of what a plan depends on in a live pool: its normalized spec, and
/// whether it failed (a failed pool is replaced). Busy and ready are left out: a pool
/// moving from RECONCILING to RUNNING changes no decision (apply waits for it anyway).
pub fn fingerprint(pool: &LivePool) -> String {
    let mut text = serde_json::to_string(&pool.spec).unwrap_or_default();
    if pool.health.state == PoolState::Failed {
        text.push_str("failed");
    }
    sha256_hex(text.as_bytes())
}

pub fn fingerprints(live: &[LivePool]) -> BTreeMap<String, String> {
    live.iter()
        .map(|p| (p.spec.name.clone(), fingerprint(p)))
        .collect()
}

impl SavedPlan {
    /// `out` is where the plan will be written.
    pub fn new(
        plan: Plan,
        blueprint: &Path,
        blueprint_text: &str,
        emulator: bool,
        live: &[LivePool],
        out: &Path,
    ) -> Self {
        let path = std::path::absolute(blueprint).unwrap_or_else(|_| blueprint.to_path_buf());
        let plan_dir = std::path::absolute(out)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        SavedPlan {
            kind: SAVED_PLAN_KIND.to_string(),
            format_version: SAVED_PLAN_VERSION,
            poolctl_version: env!("CARGO_PKG_VERSION").to_string(),
            blueprint: SavedBlueprint {
                name: blueprint.display().to_string(),
                relative_to_plan: plan_dir.and_then(|dir| relative(&path, &dir)),
                path,
                text: blueprint_text.to_string(),
                sha256: sha256_hex(blueprint_text.as_bytes()),
            },
            emulator,
            live: fingerprints(live),
            plan,
        }
    }

    /// The blueprint file this plan was made from, if it is still on disk: next to the
    /// plan where it was saved relative to it, else where it was. `plan_file` is where
    /// the saved plan is read from now.
    pub fn blueprint_on_disk(&self, plan_file: &Path) -> Option<PathBuf> {
        let plan_dir = std::path::absolute(plan_file)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let beside = match (&plan_dir, &self.blueprint.relative_to_plan) {
            (Some(dir), Some(rel)) => Some(dir.join(rel)),
            _ => None,
        };
        beside
            .into_iter()
            .chain(std::iter::once(self.blueprint.path.clone()))
            .find(|p| p.is_file())
    }

    /// Everything that moved since the plan was made; empty when it is still good.
    /// `blueprint_text` is the blueprint file as it is now, when it is on disk.
    pub fn staleness(&self, blueprint_text: Option<&str>, live: &[LivePool]) -> Vec<Staleness> {
        let mut stale = Vec::new();
        if blueprint_text.is_some_and(|text| sha256_hex(text.as_bytes()) != self.blueprint.sha256) {
            stale.push(Staleness::BlueprintChanged);
        }
        stale.extend(live_staleness(&self.live, &self.plan, live));
        stale
    }
}

/// How the live pools differ from those a plan was made from (`planned`, their
/// fingerprints): pools changed, gone, or appeared (a pool the plan would create
/// appearing means the plan was most likely applied already).
pub fn live_staleness(
    planned: &BTreeMap<String, String>,
    plan: &Plan,
    live: &[LivePool],
) -> Vec<Staleness> {
    let mut stale = Vec::new();
    let now = fingerprints(live);
    for (name, print) in planned {
        match now.get(name) {
            None => stale.push(Staleness::PoolGone(name.clone())),
            Some(p) if p != print => stale.push(Staleness::PoolChanged(name.clone())),
            Some(_) => {}
        }
    }
    // A pool that appeared may be one the plan is about to create: a create would
    // then fail, or worse, adopt nothing and leave two pools.
    for name in now.keys() {
        if planned.contains_key(name) {
            continue;
        }
        let created_by_plan = plan.changes.iter().any(|c| {
            c.desired.as_ref().is_some_and(|d| &d.name == name)
                && matches!(c.action, super::Action::Create | super::Action::Replace)
        });
        stale.push(if created_by_plan {
            Staleness::CreatedAlready(name.clone())
        } else {
            Staleness::PoolAppeared(name.clone())
        });
    }
    stale
}

/// `path` relative to `dir`, when `dir` is one of its ancestors or they share one.
fn relative(path: &Path, dir: &Path) -> Option<PathBuf> {
    let path: Vec<_> = path.components().collect();
    let dir: Vec<_> = dir.components().collect();
    let common = path.iter().zip(&dir).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..dir.len() {
        out.push("..");
    }
    for part in &path[common..] {
        out.push(part.as_os_str());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blueprints_are_found_relative_to_the_plan() {
        assert_eq!(
            relative(Path::new("/a/b/bp.toml"), Path::new("/a/b")),
            Some(PathBuf::from("bp.toml"))
        );
        assert_eq!(
            relative(Path::new("/a/b/bp.toml"), Path::new("/a/c")),
            Some(PathBuf::from("../b/bp.toml"))
        );
    }
}

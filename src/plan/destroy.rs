//! `poolctl destroy`: a plan that deletes every pool poolctl manages in a blueprint's
//! cluster, except protected ones; pools poolctl did not create are never part of it.

use super::diff::{diff_pools, Planned};
use super::ownership::{is_managed, tagged_protected, POOL_TAG};
use super::PlanError;
use crate::blueprint::Blueprint;
use poolctl_provider::{LivePool, Provider};

/// A destroy plan, and the managed pools it keeps because they are protected.
pub struct Destroyed {
    pub planned: Planned,
    /// `logical (cloud name)` of each protected pool that stays.
    pub protected: Vec<String>,
}

pub async fn plan_destroy(
    blueprint: &Blueprint,
    provider: &dyn Provider,
) -> Result<Destroyed, PlanError> {
    let live = provider.list_pools().await?;
    let cluster = &blueprint.cluster.name;
    let protected_in_blueprint = |pool: &LivePool| {
        pool.spec.tags.get(POOL_TAG).is_some_and(|logical| {
            blueprint
                .pools
                .iter()
                .any(|p| p.protect && &p.name == logical)
        })
    };
    let mut doomed = Vec::new();
    let mut protected = Vec::new();
    let mut unmanaged = Vec::new();
    for pool in &live {
        if !is_managed(&pool.spec, cluster) {
            unmanaged.push(pool.spec.name.clone());
        } else if tagged_protected(&pool.spec) || protected_in_blueprint(pool) {
            let logical = pool.spec.tags.get(POOL_TAG).cloned().unwrap_or_default();
            protected.push(format!("{logical} ({})", pool.spec.name));
        } else {
            doomed.push(pool.clone());
        }
    }
    let mut plan = diff_pools(
        provider.kind(),
        cluster,
        &[],
        &doomed,
        provider.capabilities(),
    );
    unmanaged.sort();
    plan.unmanaged = unmanaged;
    for change in &mut plan.changes {
        change.reason = Some(super::Reason::Destroy);
    }
    Ok(Destroyed {
        planned: Planned { plan, live },
        protected,
    })
}

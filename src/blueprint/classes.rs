//! Pool classes and capacity: the taints each class and spot capacity bring, and the checks
//! they impose (core stays untainted and on-demand, gpu needs `gpu`, `gpu` needs the gpu
//! class).

use super::errors::{ErrorKind, Issue, Issues};
use super::typed::Field;
use super::{PoolClass, ProviderKind};
use poolctl_provider::{Effect, Taint};
use std::ops::Range;
use toml::Spanned;

impl PoolClass {
    pub fn as_str(self) -> &'static str {
        match self {
            PoolClass::Core => "core",
            PoolClass::Workload => "workload",
            PoolClass::Gpu => "gpu",
            PoolClass::Spot => "spot",
        }
    }

    /// Whether the class itself means spot capacity (`class = "spot"`, the shorthand for
    /// a spot workload pool). Any workload or GPU pool can be spot with `spot = true`.
    pub fn is_spot(self) -> bool {
        self == PoolClass::Spot
    }
}

/// The taint of a GPU pool, so that only pods that ask for GPUs land on its nodes.
pub fn gpu_taint() -> Taint {
    Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule)
}

/// The taint of a spot pool on `provider`: the clouds' own keys (AKS adds its taint
/// itself), so that a toleration written from the cloud's docs just works.
pub fn spot_taint(provider: ProviderKind) -> Taint {
    match provider {
        ProviderKind::Gke => Taint::new("cloud.google.com/gke-spot", "true", Effect::NoSchedule),
        ProviderKind::Aks => Taint::new(
            "kubernetes.azure.com/scalesetpriority",
            "spot",
            Effect::NoSchedule,
        ),
        ProviderKind::Eks => {
            Taint::new("eks.amazonaws.com/capacityType", "SPOT", Effect::NoSchedule)
        }
    }
}

/// The taints a pool gets from its class and capacity, with what brings each.
fn implied_taints(class: PoolClass, spot: bool, provider: ProviderKind) -> Vec<(Taint, String)> {
    let mut out = Vec::new();
    if class == PoolClass::Gpu {
        out.push((gpu_taint(), "the gpu class".to_string()));
    }
    if spot {
        let why = if class.is_spot() {
            "the spot class"
        } else {
            "spot capacity"
        };
        out.push((spot_taint(provider), why.to_string()));
    }
    out
}

/// What a pool looks like to the class checks.
pub(crate) struct ClassView<'a, G> {
    pub(crate) class: &'a Spanned<PoolClass>,
    pub(crate) header: Range<usize>,
    /// The taints the pool ends up with, and whether they came from `[defaults]`.
    pub(crate) taints: &'a Field<Vec<Spanned<Taint>>>,
    pub(crate) taints_from_defaults: bool,
    pub(crate) gpu: &'a Field<G>,
    /// An unknown key looked like `gpu`: its absence is already reported.
    pub(crate) gpu_misspelt: bool,
    /// `spot = ...` as written in the pool.
    pub(crate) spot: &'a Field<bool>,
}

/// Reports what the pool's class forbids or requires.
pub(crate) fn check_class<G>(pool: &ClassView<'_, G>, issues: &mut Issues) {
    let class = *pool.class.get_ref();
    if class == PoolClass::Core {
        if let Field::Given(taints) = pool.taints {
            if let Some(first) = taints.get_ref().first() {
                let mut issue = Issue::new(
                    ErrorKind::CoreTainted,
                    first.span(),
                    "a core pool cannot be tainted",
                )
                .label("taint on a core pool")
                .also(pool.class.span(), "class core");
                issue = if pool.taints_from_defaults {
                    issue
                        .also(pool.header.clone(), "inherits the [defaults] taints")
                        .help(
                            "core pools run system services and must accept every pod: set \
                         `taints = []` in this pool to drop the [defaults] taints",
                        )
                } else {
                    issue.help(
                        "core pools run system services and must accept every pod: remove \
                         the taints, or use `class = \"workload\"` for a dedicated pool",
                    )
                };
                issues.push(issue);
            }
        }
    }
    if let Field::Given(spot) = pool.spot {
        match (class, *spot.get_ref()) {
            (PoolClass::Core, true) => issues.push(
                Issue::new(
                    ErrorKind::CoreSpot,
                    spot.span(),
                    "a core pool cannot be spot",
                )
                .label("spot capacity on a core pool")
                .also(pool.class.span(), "class core")
                .help(
                    "core pools run system services, which must not be evicted when the \
                         cloud reclaims spot capacity: remove `spot = true`, or use \
                         `class = \"workload\"` for a spot pool",
                ),
            ),
            (PoolClass::Spot, false) => issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    spot.span(),
                    "`spot = false` on a spot pool",
                )
                .label("on-demand capacity")
                .also(pool.class.span(), "class spot means spot capacity")
                .help("use `class = \"workload\"` for an on-demand pool, or drop `spot = false`"),
            ),
            _ => {}
        }
    }
    match (class, pool.gpu) {
        (PoolClass::Gpu, Field::Absent) if !pool.gpu_misspelt => issues.push(
            Issue::new(
                ErrorKind::GpuMissing,
                pool.header.clone(),
                "a gpu pool needs `gpu`",
            )
            .label("no `gpu` in this pool")
            .also(pool.class.span(), "class gpu")
            .help("add `gpu = { type = \"nvidia-l4\", count = 1 }` (the cloud's accelerator name)"),
        ),
        (PoolClass::Gpu, _) | (_, Field::Absent) | (_, Field::Invalid) => {}
        (other, Field::Given(gpu)) => issues.push(
            Issue::new(
                ErrorKind::GpuOnNonGpuClass,
                gpu.span(),
                format!("`gpu` on a {} pool", other.as_str()),
            )
            .label("GPUs belong in a gpu pool")
            .also(pool.class.span(), format!("class {}", other.as_str()))
            .help(if other == PoolClass::Spot {
                "for a spot GPU pool write `class = \"gpu\"` and `spot = true`: the gpu class \
                 taints the pool so that only GPU workloads land on its expensive nodes"
            } else {
                "set `class = \"gpu\"`: the gpu class taints the pool so that only GPU \
                 workloads land on its expensive nodes"
            }),
        ),
    }
}

/// The pool's taints plus those its class and capacity imply; a user taint equal to an
/// implied one is kept once, and one with the same key and effect but another value is an
/// error.
pub(crate) fn with_class_taint(
    class: PoolClass,
    spot: bool,
    provider: ProviderKind,
    taints: &[Spanned<Taint>],
    issues: &mut Issues,
) -> Vec<Taint> {
    let mut out: Vec<Taint> = taints.iter().map(|t| t.get_ref().clone()).collect();
    for (implied, from) in implied_taints(class, spot, provider) {
        let clash = taints.iter().find(|t| {
            let t = t.get_ref();
            t.key == implied.key && t.effect == implied.effect && t.value != implied.value
        });
        if let Some(clash) = clash {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidTaint,
                    clash.span(),
                    format!("this taint clashes with the taint `{implied}` of {from}"),
                )
                .label("same key and effect, another value")
                .help(format!("{from} adds `{implied}` itself: remove this taint")),
            );
        } else if !out.contains(&implied) {
            out.push(implied);
        }
    }
    out
}

//! Pool classes: the taints and spot capacity each class brings, and the checks it imposes
//! (core stays untainted, gpu needs `gpu`, `gpu` needs the gpu class).

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

    /// Whether pools of this class run on spot (preemptible) capacity.
    pub fn is_spot(self) -> bool {
        self == PoolClass::Spot
    }

    /// The taint this class adds on `provider`, so that only pods that tolerate it land there.
    pub fn taint(self, provider: ProviderKind) -> Option<Taint> {
        match self {
            PoolClass::Gpu => Some(Taint::new("nvidia.com/gpu", "present", Effect::NoSchedule)),
            // The clouds' own spot taints: AKS adds its taint itself, and using the same
            // key everywhere lets a toleration written for the cloud's docs just work.
            PoolClass::Spot => Some(match provider {
                ProviderKind::Gke => {
                    Taint::new("cloud.google.com/gke-spot", "true", Effect::NoSchedule)
                }
                ProviderKind::Aks => Taint::new(
                    "kubernetes.azure.com/scalesetpriority",
                    "spot",
                    Effect::NoSchedule,
                ),
                ProviderKind::Eks => {
                    Taint::new("eks.amazonaws.com/capacityType", "SPOT", Effect::NoSchedule)
                }
            }),
            PoolClass::Core | PoolClass::Workload => None,
        }
    }
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
            .help(
                "set `class = \"gpu\"`: the gpu class taints the pool so that only GPU \
                 workloads land on its expensive nodes",
            ),
        ),
    }
}

/// The pool's taints plus its class taint; a user taint equal to the class taint is kept
/// once, and one with the same key and effect but another value is an error.
pub(crate) fn with_class_taint(
    class: PoolClass,
    provider: ProviderKind,
    taints: &[Spanned<Taint>],
    issues: &mut Issues,
) -> Vec<Taint> {
    let mut out: Vec<Taint> = taints.iter().map(|t| t.get_ref().clone()).collect();
    let Some(class_taint) = class.taint(provider) else {
        return out;
    };
    let clash = taints.iter().find(|t| {
        let t = t.get_ref();
        t.key == class_taint.key && t.effect == class_taint.effect && t.value != class_taint.value
    });
    if let Some(clash) = clash {
        issues.push(
            Issue::new(
                ErrorKind::InvalidTaint,
                clash.span(),
                format!(
                    "this taint clashes with the {} class taint `{class_taint}`",
                    class.as_str()
                ),
            )
            .label("same key and effect, another value")
            .help(format!(
                "the {} class adds `{class_taint}` itself: remove this taint",
                class.as_str()
            )),
        );
    } else if !out.contains(&class_taint) {
        out.push(class_taint);
    }
    out
}

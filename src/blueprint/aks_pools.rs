//! AKS rules that tie several settings of a pool together: its `mode` (a core pool is
//! System, every other class User, unless stated), what a System pool may not be, and the
//! GPUs that come with its VM size (AKS has no separate GPU setting: provider-apis.md §0).

use super::errors::{ErrorKind, Issue, Issues};
use super::load::RawGpu;
use super::typed::Field;
use super::PoolClass;
use poolctl_provider::machines::{aks_gpu_sizes_of, aks_vm_gpus};
use poolctl_provider::{ExtraValue, Gpu, Scaling};
use std::ops::Range;

/// What the AKS rules look at in one pool, with where each thing is written.
pub(crate) struct AksPool<'a> {
    pub(crate) class: PoolClass,
    pub(crate) header: Range<usize>,
    /// `mode = "..."` as written (in the pool or in `[defaults.aks]`), already checked to
    /// be System or User.
    pub(crate) mode: Option<(&'a str, Range<usize>)>,
    pub(crate) spot: bool,
    pub(crate) spot_span: Option<Range<usize>>,
    pub(crate) scaling: Scaling,
    pub(crate) count_span: Range<usize>,
    pub(crate) machine_type: &'a str,
    pub(crate) machine_span: Option<Range<usize>>,
    pub(crate) gpu: &'a Field<RawGpu>,
}

/// The pool's mode and GPUs as AKS will report them, or `None` after reporting why the pool
/// cannot be an AKS pool.
pub(crate) fn aks_rules(
    pool: &AksPool<'_>,
    issues: &mut Issues,
) -> Option<(ExtraValue, Option<Gpu>)> {
    let before = issues.len();
    let mode = match &pool.mode {
        Some((mode, _)) => (*mode).to_string(),
        None if pool.class == PoolClass::Core => "System".to_string(),
        None => "User".to_string(),
    };
    let mode_span = pool.mode.as_ref().map(|(_, span)| span.clone());
    if mode == "System" && pool.class != PoolClass::Core {
        if pool.spot {
            let span = pool
                .spot_span
                .clone()
                .or(mode_span.clone())
                .unwrap_or(pool.header.clone());
            let mut issue = Issue::new(ErrorKind::InvalidValue, span, "an AKS System pool cannot be spot")
                .label("spot capacity")
                .help("AKS refuses spot System pools: system pods must not be evicted. Drop `mode = \"System\"`, or `spot`");
            if let Some(mode_span) = &mode_span {
                issue = issue.also(mode_span.clone(), "mode System");
            }
            issues.push(issue);
        }
        let least = match pool.scaling {
            Scaling::Fixed { nodes } => nodes,
            Scaling::Autoscale { min, .. } => min,
        };
        if least == 0 {
            let mut issue = Issue::new(
                ErrorKind::NodeCountOutOfRange,
                pool.count_span.clone(),
                "an AKS System pool needs at least 1 node",
            )
            .label("may drop to 0 nodes")
            .help("System pools must keep a node: use a minimum of 1, or leave `mode` out (User)");
            if let Some(mode_span) = &mode_span {
                issue = issue.also(mode_span.clone(), "mode System");
            }
            issues.push(issue);
        }
    }
    let gpu = aks_gpus(pool, issues);
    (issues.len() == before).then_some((ExtraValue::Text(mode), gpu))
}

/// The GPUs of the pool's VM size, checked against what the blueprint says of them.
fn aks_gpus(pool: &AksPool<'_>, issues: &mut Issues) -> Option<Gpu> {
    let of_size = aks_vm_gpus(pool.machine_type);
    let machine_span = pool.machine_span.clone().unwrap_or(pool.header.clone());
    match (pool.class, pool.gpu, &of_size) {
        (PoolClass::Gpu, Field::Given(written), _) => {
            let written = written.get_ref();
            let want = Gpu {
                kind: written.kind.get_ref().clone(),
                count: *written.count.get_ref(),
            };
            match &of_size {
                Some(has) if *has == want => {}
                Some(has) => issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        written.kind.span().start..written.count.span().end,
                        format!(
                            "`{}` has {} {} GPU{}, not {} {}",
                            pool.machine_type,
                            has.count,
                            has.kind,
                            if has.count == 1 { "" } else { "s" },
                            want.count,
                            want.kind
                        ),
                    )
                    .label("does not match the VM size")
                    .also(machine_span, "the VM size")
                    .help(format!(
                        "on AKS the GPUs come with the VM size: write `gpu = {{ type = \"{}\", count = {} }}`, or pick {}",
                        has.kind,
                        has.count,
                        sizes_for(&want.kind)
                    )),
                ),
                None => issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        machine_span,
                        format!("poolctl does not know `{}` as an AKS GPU VM size", pool.machine_type),
                    )
                    .label("no whole GPUs known for this size")
                    .also(written.kind.span(), "the GPUs the pool asks for")
                    .help(format!(
                        "on AKS the GPUs come with the VM size; for {}: {}",
                        want.kind,
                        sizes_for(&want.kind)
                    )),
                ),
            }
            of_size
        }
        (PoolClass::Gpu, _, _) => of_size,
        (class, _, Some(has)) => {
            issues.push(
                Issue::new(
                    ErrorKind::GpuOnNonGpuClass,
                    machine_span,
                    format!(
                        "`{}` is a GPU VM size ({} × {}) in a {} pool",
                        pool.machine_type,
                        has.count,
                        has.kind,
                        class.as_str()
                    ),
                )
                .label("GPU VM size")
                .help(format!(
                    "set `class = \"gpu\"` and `gpu = {{ type = \"{}\", count = {} }}`: the gpu \
                     class taints the pool so that only GPU workloads land on its expensive nodes",
                    has.kind, has.count
                )),
            );
            None
        }
        (_, _, None) => None,
    }
}

fn sizes_for(kind: &str) -> String {
    let sizes = aks_gpu_sizes_of(kind);
    if sizes.is_empty() {
        "a GPU VM size (Standard_NC*, Standard_ND*, Standard_NV*_A10_v5)".to_string()
    } else {
        format!("one of {}", sizes.join(", "))
    }
}

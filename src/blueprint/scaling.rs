//! Node counts: `size` versus `autoscale`, sane bounds, each cloud's limits, and GKE's
//! per-zone arithmetic (counts are totals; GKE applies them per zone).

use super::errors::{ErrorKind, Issue, Issues};
use super::limits::{gke_location_is_zone, node_limit, NodeLimit};
use super::load::RawAutoscale;
use super::typed::Field;
use super::{PoolClass, ProviderKind};
use poolctl_provider::Scaling;
use std::ops::Range;
use toml::Spanned;

/// Where the pool's count was written: `size` or `autoscale`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScalingSpans {
    pub(crate) size: Option<Range<usize>>,
    pub(crate) autoscale: Option<Range<usize>>,
}

impl ScalingSpans {
    pub(crate) fn count(&self) -> Option<Range<usize>> {
        self.size.clone().or_else(|| self.autoscale.clone())
    }
}

/// What the scaling checks need to know about the pool and its cluster.
pub(crate) struct ScalingInput<'a> {
    pub(crate) size: &'a Field<u32>,
    pub(crate) autoscale: &'a Field<RawAutoscale>,
    pub(crate) zones: &'a Field<Vec<String>>,
    pub(crate) header: Range<usize>,
    /// An unknown key looked like `size` or `autoscale`: "neither" is already reported.
    pub(crate) misspelt: bool,
    pub(crate) class: Option<PoolClass>,
    pub(crate) provider: Option<ProviderKind>,
    pub(crate) location: Option<&'a str>,
}

/// Checks a pool's scaling; `None` when it is unusable (the reason is in `issues`).
pub(crate) fn check_scaling(
    pool: &ScalingInput<'_>,
    issues: &mut Issues,
) -> Option<(Scaling, ScalingSpans)> {
    let (scaling, spans) = scaling_mode(pool, issues)?;
    let Some(provider) = pool.provider else {
        return Some((scaling, spans));
    };
    let count_span = spans.count()?;
    let before = issues.len();
    check_pool_limit(provider, scaling, &count_span, issues);
    if provider == ProviderKind::Eks && scaling == (Scaling::Fixed { nodes: 0 }) {
        issues.push(
            Issue::new(
                ErrorKind::NodeCountOutOfRange,
                count_span.clone(),
                "an EKS node group needs at least 1 node at its maximum",
            )
            .label("size 0")
            .help("write `autoscale = { min = 0, max = 1 }` for a group that may stay empty"),
        );
    }
    if provider == ProviderKind::Aks && pool.class == Some(PoolClass::Core) {
        check_aks_system_pool(scaling, &count_span, issues);
    }
    if provider == ProviderKind::Gke {
        let zones = pool.zones.given().filter(|z| !z.get_ref().is_empty());
        let spread = match zones {
            Some(zones) => Some(ZoneSpread {
                count: zones.get_ref().len(),
                span: Some(zones.span()),
                from_cluster: false,
            }),
            // A zonal cluster's pool without `zones` lives in that one zone; a regional
            // cluster's zones are only known from the cloud, so the planner checks those.
            None => pool
                .location
                .filter(|l| gke_location_is_zone(l))
                .map(|_| ZoneSpread {
                    count: 1,
                    span: None,
                    from_cluster: true,
                }),
        };
        if let Some(spread) = spread {
            check_zone_spread(scaling, &count_span, &spread, issues);
        }
    }
    (issues.len() == before).then_some((scaling, spans))
}

/// `size` XOR `autoscale`, and autoscale bounds that can hold a node.
fn scaling_mode(pool: &ScalingInput<'_>, issues: &mut Issues) -> Option<(Scaling, ScalingSpans)> {
    match (pool.size, pool.autoscale) {
        (Field::Given(size), Field::Given(auto)) => {
            issues.push(
                Issue::new(
                    ErrorKind::SizeAndAutoscale,
                    auto.span(),
                    "a pool has either `size` or `autoscale`, not both",
                )
                .label("autoscale here")
                .also(size.span(), "and a static size here")
                .help("keep `size` for a static pool, or `autoscale` to let the autoscaler choose"),
            );
            None
        }
        (Field::Absent, Field::Absent) if pool.misspelt => None,
        (Field::Absent, Field::Absent) => {
            issues.push(
                Issue::new(
                    ErrorKind::NoScaling,
                    pool.header.clone(),
                    "a pool needs `size` or `autoscale`",
                )
                .label("no node count for this pool")
                .help("write `size = 3` for a static pool or `autoscale = { min = 0, max = 10 }`"),
            );
            None
        }
        (Field::Given(size), Field::Absent) => Some((
            Scaling::Fixed {
                nodes: *size.get_ref(),
            },
            ScalingSpans {
                size: Some(size.span()),
                autoscale: None,
            },
        )),
        (Field::Absent, Field::Given(auto)) => {
            let bounds = autoscale_bounds(auto, issues)?;
            Some((
                bounds,
                ScalingSpans {
                    size: None,
                    autoscale: Some(auto.span()),
                },
            ))
        }
        _ => None,
    }
}

fn autoscale_bounds(auto: &Spanned<RawAutoscale>, issues: &mut Issues) -> Option<Scaling> {
    let (min, max) = (&auto.get_ref().min, &auto.get_ref().max);
    if *max.get_ref() == 0 {
        issues.push(
            Issue::new(ErrorKind::MaxZero, max.span(), "`autoscale.max` is 0")
                .label("this pool could never hold a node")
                .help("set `max` to at least 1; `min = 0` already lets the pool scale to zero"),
        );
        return None;
    }
    if min.get_ref() > max.get_ref() {
        issues.push(
            Issue::new(
                ErrorKind::MinAboveMax,
                auto.span(),
                format!(
                    "`autoscale.min` ({}) is above `autoscale.max` ({})",
                    min.get_ref(),
                    max.get_ref()
                ),
            )
            .label("min > max")
            .help("swap the bounds, or raise `max`"),
        );
        return None;
    }
    Some(Scaling::Autoscale {
        min: *min.get_ref(),
        max: *max.get_ref(),
    })
}

/// The most nodes the pool may reach: its size, or its autoscale maximum.
fn largest(scaling: Scaling) -> u32 {
    match scaling {
        Scaling::Fixed { nodes } => nodes,
        Scaling::Autoscale { max, .. } => max,
    }
}

fn check_pool_limit(
    provider: ProviderKind,
    scaling: Scaling,
    span: &Range<usize>,
    issues: &mut Issues,
) {
    let NodeLimit::PerPool(limit) = node_limit(provider) else {
        return;
    };
    let largest = largest(scaling);
    if largest > limit {
        issues.push(
            Issue::new(
                ErrorKind::NodeCountOutOfRange,
                span.clone(),
                format!(
                    "{} allows at most {limit} nodes in a pool, not {largest}",
                    provider.display_name()
                ),
            )
            .label("too many nodes")
            .help("split the capacity over several pools"),
        );
    }
}

/// AKS runs core pools in System mode, which must keep a node.
fn check_aks_system_pool(scaling: Scaling, span: &Range<usize>, issues: &mut Issues) {
    let least = match scaling {
        Scaling::Fixed { nodes } => nodes,
        Scaling::Autoscale { min, .. } => min,
    };
    if least == 0 {
        issues.push(
            Issue::new(
                ErrorKind::NodeCountOutOfRange,
                span.clone(),
                "an AKS core pool needs at least 1 node",
            )
            .label("may drop to 0 nodes")
            .help("core pools are AKS System pools, which must keep a node: use a minimum of 1"),
        );
    }
}

/// The zones a GKE pool spreads over.
pub(crate) struct ZoneSpread {
    pub(crate) count: usize,
    /// The `zones` list, when the blueprint wrote one.
    pub(crate) span: Option<Range<usize>>,
    /// The zones are the cluster's (its location, or read from the cloud).
    pub(crate) from_cluster: bool,
}

/// GKE applies counts per zone: a static size must divide by the zones, and each zone
/// holds at most the per-zone limit.
pub(crate) fn check_zone_spread(
    scaling: Scaling,
    count_span: &Range<usize>,
    spread: &ZoneSpread,
    issues: &mut Issues,
) {
    let Ok(n) = u32::try_from(spread.count) else {
        return;
    };
    if n == 0 {
        return;
    }
    let whose = if spread.from_cluster {
        "the cluster's "
    } else {
        ""
    };
    let with_zones = |issue: Issue| match &spread.span {
        Some(span) => issue.also(span.clone(), format!("{n} zones")),
        None => issue,
    };
    if let NodeLimit::PerZone(limit) = node_limit(ProviderKind::Gke) {
        let most = limit.saturating_mul(n);
        let largest = largest(scaling);
        if largest > most {
            issues.push(with_zones(
                Issue::new(
                    ErrorKind::NodeCountOutOfRange,
                    count_span.clone(),
                    format!(
                        "GKE allows at most {limit} nodes per zone in a pool: {whose}{n} zone(s) \
                         hold at most {most}, not {largest}"
                    ),
                )
                .label("too many nodes")
                .help("add zones, or split the capacity over several pools"),
            ));
        }
    }
    if let Scaling::Fixed { nodes } = scaling {
        if nodes % n != 0 {
            let lower = nodes / n * n;
            let higher = lower + n;
            let choices = if lower == 0 {
                higher.to_string()
            } else {
                format!("{lower} or {higher}")
            };
            issues.push(with_zones(
                Issue::new(
                    ErrorKind::UnevenZones,
                    count_span.clone(),
                    format!("size {nodes} does not divide evenly over {whose}{n} zones"),
                )
                .label(format!("{nodes} nodes over {n} zones"))
                .help(format!(
                    "GKE creates the same number of nodes in every zone: use a multiple of {n} \
                     ({choices}), list the pool's `zones`, or use `autoscale`"
                )),
            ));
        }
    }
}

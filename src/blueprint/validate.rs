//! Raw blueprint to valid cluster and pools: cloud limits, scaling rules, Kubernetes syntax,
//! `[defaults]` merged into each pool and class defaults applied. Every problem is reported.

use super::aks_pools::{aks_rules, AksPool};
use super::classes::{check_class, with_class_taint, ClassView};
use super::eks_pools::{check_autoscaler_tags, check_eks_label_limits, eks_rules, EksPool};
use super::errors::{ErrorKind, Issue, Issues};
use super::extras::check_extra;
use super::labels_taints::{check_labels, check_taints};
use super::limits::{check_pool_name, check_zone, disk_range};
use super::load::{RawBlueprint, RawCluster, RawExtras, RawPool, RawShared};
use super::scaling::{check_scaling, ScalingInput};
use super::typed::{Field, Strings};
use super::{ClusterConfig, PoolClass, PoolConfig, PoolSpans, ProviderKind};
use miette::SourceSpan;
use poolctl_provider::autoscaler_tags::node_template_tags;
use poolctl_provider::{ExtraValue, Field as PoolField, Gpu, PoolSpec, Taint};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// What checks of a pool need to know about its cluster.
struct Context {
    provider: Option<ProviderKind>,
    location: Option<String>,
    /// `[cluster.eks]`: the settings every node group starts from; `None` when invalid.
    cluster_extras: Option<BTreeMap<PoolField, ExtraValue>>,
    cluster_extra_spans: BTreeMap<PoolField, Range<usize>>,
}

/// `[defaults]` or a pool's own settings, each checked where it is written.
struct Checked {
    machine_type: Field<String>,
    labels: Field<BTreeMap<String, String>>,
    taints: Field<Vec<Spanned<Taint>>>,
    disk_gb: Field<u32>,
    zones: Field<Vec<String>>,
    /// The cluster's cloud's settings; `None` when one of them is invalid.
    extras: Option<BTreeMap<PoolField, ExtraValue>>,
    /// Where each of those settings is written.
    extra_spans: BTreeMap<PoolField, Range<usize>>,
}

/// Checks the raw blueprint; the result is complete only if no issue was pushed.
pub(crate) fn check(
    raw: RawBlueprint,
    issues: &mut Issues,
) -> Option<(ClusterConfig, Vec<PoolConfig>)> {
    let (ctx, cluster) = match raw.cluster {
        Some(cluster) => check_cluster(cluster, issues),
        None => (
            Context {
                provider: None,
                location: None,
                cluster_extras: Some(BTreeMap::new()),
                cluster_extra_spans: BTreeMap::new(),
            },
            None,
        ),
    };
    let defaults = check_shared(raw.defaults, &ctx, issues);
    let mut pools = Vec::new();
    let mut complete = true;
    for pool in raw.pools {
        match check_pool(pool, &defaults, &ctx, issues) {
            Some(pool) => pools.push(pool),
            None => complete = false,
        }
    }
    pools.sort_by(|a, b| a.name.cmp(&b.name));
    match cluster {
        Some(cluster) if complete => Some((cluster, pools)),
        _ => None,
    }
}

fn check_cluster(mut raw: RawCluster, issues: &mut Issues) -> (Context, Option<ClusterConfig>) {
    let provider = raw.provider.given().map(|p| *p.get_ref());
    // EKS says `region`; `location` is the same thing, and either may be written.
    match (&raw.region, &raw.location, provider) {
        (Field::Given(region), Field::Given(location), Some(ProviderKind::Eks)) => {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    region.span(),
                    "the EKS cluster's region is written twice",
                )
                .label("`region`")
                .also(location.span(), "`location`")
                .help("keep `region` and remove `location`: for EKS they are the same thing"),
            );
        }
        (Field::Given(region), _, Some(ProviderKind::Eks)) => {
            raw.location = Field::Given(region.clone());
        }
        (Field::Given(region), _, Some(other)) => issues.push(
            Issue::new(
                ErrorKind::NotForProvider,
                region.span(),
                format!(
                    "`region` is an EKS setting, not one of {}",
                    other.display_name()
                ),
            )
            .label("EKS only")
            .help(format!(
                "{} calls it `location`: write `location = \"{}\"`",
                other.display_name(),
                region.get_ref()
            )),
        ),
        _ => {}
    }
    if provider == Some(ProviderKind::Gke) {
        for (field, key, help) in [
            (
                &raw.project,
                "project",
                "set `project` to the Google Cloud project id",
            ),
            (
                &raw.location,
                "location",
                "set `location` to the cluster's region or zone, e.g. \"europe-west1\"",
            ),
        ] {
            if matches!(field, Field::Absent) {
                issues.push(
                    Issue::new(
                        ErrorKind::MissingKey,
                        raw.span.clone(),
                        format!("a GKE [cluster] needs `{key}`"),
                    )
                    .label(format!("`{key}` is missing here"))
                    .help(help),
                );
            }
        }
    }
    if provider == Some(ProviderKind::Aks) {
        for (field, key, help) in [
            (
                &raw.subscription,
                "subscription",
                "set `subscription` to the Azure subscription id of the cluster",
            ),
            (
                &raw.resource_group,
                "resource_group",
                "set `resource_group` to the resource group that holds the managed cluster",
            ),
        ] {
            if matches!(field, Field::Absent) {
                issues.push(
                    Issue::new(
                        ErrorKind::MissingKey,
                        raw.span.clone(),
                        format!("an AKS [cluster] needs `{key}`"),
                    )
                    .label(format!("`{key}` is missing here"))
                    .help(help),
                );
            }
        }
    }
    if let Some(provider) = provider {
        check_cluster_keys_of_other_clouds(&raw, provider, issues);
    }
    if let Field::Given(name) = &raw.name {
        if name.get_ref().trim().is_empty() {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    name.span(),
                    "the cluster name is empty",
                )
                .label("expected the cluster's name in the cloud"),
            );
        }
    }
    for (field, key) in [
        (&raw.endpoint, "endpoint"),
        (&raw.compute_endpoint, "compute_endpoint"),
    ] {
        let Field::Given(endpoint) = field else {
            continue;
        };
        let url = endpoint.get_ref();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        if !rest.is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace)) {
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    endpoint.span(),
                    format!("`{url}` is not an http(s) URL"),
                )
                .label("expected http://HOST[:PORT] or https://HOST[:PORT]")
                .help(format!(
                    "e.g. `{key} = \"http://127.0.0.1:8787\"` for a local emulator"
                )),
            );
        }
    }
    if let (Field::Given(compute), Some(provider)) = (&raw.compute_endpoint, provider) {
        if provider != ProviderKind::Gke {
            issues.push(
                Issue::new(
                    ErrorKind::NotForProvider,
                    compute.span(),
                    format!(
                        "`compute_endpoint` is a GKE setting, not one of {}",
                        provider.display_name()
                    ),
                )
                .label("GKE only")
                .help("GKE reads static pools' sizes from Compute; other clouds need no second endpoint"),
            );
        }
    }
    let mut ctx = Context {
        provider,
        location: raw.location.given().map(|l| l.get_ref().clone()),
        cluster_extras: Some(BTreeMap::new()),
        cluster_extra_spans: BTreeMap::new(),
    };
    if let Some(eks) = raw.eks.take() {
        ctx.cluster_extra_spans = spans_of(std::slice::from_ref(&eks), &ctx);
        ctx.cluster_extras = check_extras(std::slice::from_ref(&eks), &ctx, issues);
    }
    let cluster = match (provider, raw.name) {
        (Some(provider), Field::Given(name)) => Some(ClusterConfig {
            provider,
            provider_span: raw
                .provider
                .given()
                .map(|p| to_span(&p.span()))
                .unwrap_or_else(|| to_span(&raw.span)),
            name: name.into_inner(),
            project: raw.project.given().map(|p| p.get_ref().clone()),
            subscription: raw.subscription.given().map(|p| p.get_ref().clone()),
            resource_group: raw.resource_group.given().map(|p| p.get_ref().clone()),
            location: ctx.location.clone(),
            location_span: raw.location.given().map(|l| to_span(&l.span())),
            endpoint: raw.endpoint.given().map(|e| e.get_ref().clone()),
            compute_endpoint: raw.compute_endpoint.given().map(|e| e.get_ref().clone()),
            emulator: raw.emulator.given().is_some_and(|e| *e.get_ref()),
            parallel_operations: check_parallel_operations(
                &raw.parallel_operations,
                provider,
                issues,
            ),
            span: to_span(&raw.span),
        }),
        _ => None,
    };
    (ctx, cluster)
}

/// The most pool operations each cloud lets one cluster run at once: GKE caps a cluster
/// at 5 concurrent operations, AKS allows one agent-pool operation, and EKS changes
/// different node groups in parallel (poolctl keeps it to 10 so that a cluster's
/// changes do not eat the account's API rate).
fn parallel_operations_limit(provider: ProviderKind) -> (u32, &'static str) {
    match provider {
        ProviderKind::Gke => (5, "GKE runs at most 5 operations at once on a cluster"),
        ProviderKind::Aks => (
            1,
            "AKS allows one agent-pool operation at a time on a cluster and answers a second \
             one with 409 OperationNotAllowed",
        ),
        ProviderKind::Eks => (
            10,
            "poolctl changes at most 10 node groups of one EKS cluster at once",
        ),
    }
}

fn check_parallel_operations(
    field: &Field<u32>,
    provider: ProviderKind,
    issues: &mut Issues,
) -> Option<u32> {
    let Field::Given(value) = field else {
        return None;
    };
    let wanted = *value.get_ref();
    let (limit, why) = parallel_operations_limit(provider);
    if wanted == 0 || wanted > limit {
        issues.push(
            Issue::new(
                ErrorKind::InvalidValue,
                value.span(),
                format!(
                    "`parallel_operations = {wanted}` is outside 1..={limit} for {}",
                    provider.display_name()
                ),
            )
            .label(format!("1 to {limit}"))
            .help(format!("{why}; leave the key out for poolctl's default")),
        );
        return None;
    }
    Some(wanted)
}

/// `[cluster]` keys that name another cloud's way of finding a cluster: refused at their
/// line, so that a blueprint copied from another cloud does not half-work.
fn check_cluster_keys_of_other_clouds(
    raw: &RawCluster,
    provider: ProviderKind,
    issues: &mut Issues,
) {
    let keys: [(&Field<String>, &str, ProviderKind, &str); 3] = [
        (
            &raw.project,
            "project",
            ProviderKind::Gke,
            "write `subscription = \"...\"` instead: AKS finds a cluster by `subscription`, \
             `resource_group` and `name`",
        ),
        (
            &raw.subscription,
            "subscription",
            ProviderKind::Aks,
            "GKE finds a cluster by `project`, `location` and `name`",
        ),
        (
            &raw.resource_group,
            "resource_group",
            ProviderKind::Aks,
            "GKE finds a cluster by `project`, `location` and `name`",
        ),
    ];
    for (field, key, owner, how) in keys {
        let Field::Given(value) = field else {
            continue;
        };
        if owner == provider {
            continue;
        }
        let help = match provider {
            ProviderKind::Eks => "EKS finds a cluster by `name` and `region`",
            _ => how,
        };
        issues.push(
            Issue::new(
                ErrorKind::NotForProvider,
                value.span(),
                format!(
                    "`{key}` is {} setting, not one of {}",
                    owner.with_article(),
                    provider.display_name()
                ),
            )
            .label(format!("{} only", owner.display_name()))
            .help(help),
        );
    }
}

fn check_shared(raw: RawShared, ctx: &Context, issues: &mut Issues) -> Checked {
    let machine_span = raw.machine_type.given().map(|m| m.span());
    let eks_limits = match ctx.provider {
        Some(ProviderKind::Eks) => check_eks_label_limits(&raw.labels, &raw.taints, issues),
        _ => (true, true),
    };
    Checked {
        machine_type: raw.machine_type.map(|m| {
            if !m.trim().is_empty() {
                return Some(m);
            }
            // An empty machine type would reach the cloud as "use the default", silently.
            issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    machine_span.unwrap_or(0..0),
                    "`machine_type` is empty",
                )
                .label("expected the cloud's machine type")
                .help(
                    "e.g. \"e2-standard-4\" (GKE), \"Standard_D4s_v5\" (AKS), \"m6i.xlarge\" (EKS)",
                ),
            );
            None
        }),
        labels: match eks_limits.0 {
            true => check_labels(raw.labels, issues),
            false => Field::Invalid,
        },
        taints: match eks_limits.1 {
            true => check_taints(raw.taints, issues),
            false => Field::Invalid,
        },
        disk_gb: check_disk(raw.disk_gb, ctx, issues),
        zones: check_zones(raw.zones, ctx, issues),
        extra_spans: spans_of(&raw.extras, ctx),
        extras: check_extras(&raw.extras, ctx, issues),
    }
}

/// Where each setting of the cluster's cloud is written in these tables.
fn spans_of(tables: &[RawExtras], ctx: &Context) -> BTreeMap<PoolField, Range<usize>> {
    tables
        .iter()
        .filter(|t| Some(t.provider) == ctx.provider)
        .flat_map(|t| t.values.iter().map(|(f, (_, v))| (*f, v.span())))
        .collect()
}

fn check_disk(disk: Field<u32>, ctx: &Context, issues: &mut Issues) -> Field<u32> {
    let (Field::Given(size), Some(provider)) = (&disk, ctx.provider) else {
        return disk;
    };
    let range = disk_range(provider);
    if range.contains(size.get_ref()) {
        return disk;
    }
    issues.push(
        Issue::new(
            ErrorKind::DiskSizeOutOfRange,
            size.span(),
            format!(
                "{} disks are {} to {} GB, not {}",
                provider.display_name(),
                range.start(),
                range.end(),
                size.get_ref()
            ),
        )
        .label("disk size out of range")
        .help("leave `disk_gb` out to take the cloud's default"),
    );
    Field::Invalid
}

fn check_zones(zones: Field<Strings>, ctx: &Context, issues: &mut Issues) -> Field<Vec<String>> {
    let list_span = zones.given().map(|z| z.span());
    zones.map(|zones| {
        let provider = ctx.provider?;
        if provider == ProviderKind::Eks && !zones.is_empty() {
            issues.push(
                Issue::new(
                    ErrorKind::NotForProvider,
                    list_span.unwrap_or(0..0),
                    "EKS node groups have no `zones`",
                )
                .label("not used on EKS")
                .help(
                    "EKS places nodes through subnets: list them as `subnets` in [pools.NAME.eks]",
                ),
            );
            return None;
        }
        let mut ok = true;
        let mut seen: Vec<&Spanned<String>> = Vec::new();
        for zone in &zones {
            if let Some(first) = seen.iter().find(|z| z.get_ref() == zone.get_ref()) {
                ok = false;
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidZone,
                        zone.span(),
                        format!("zone `{}` is listed twice", zone.get_ref()),
                    )
                    .label("listed again here")
                    .also(first.span(), "first listed here"),
                );
            } else if let Err(why) = check_zone(provider, zone.get_ref(), ctx.location.as_deref()) {
                ok = false;
                issues.push(
                    Issue::new(ErrorKind::InvalidZone, zone.span(), why).label("invalid zone"),
                );
            }
            seen.push(zone);
        }
        ok.then(|| zones.into_iter().map(Spanned::into_inner).collect())
    })
}

fn check_pool(
    raw: RawPool,
    defaults: &Checked,
    ctx: &Context,
    issues: &mut Issues,
) -> Option<PoolConfig> {
    let header = raw.name.span();
    let name = raw.name.get_ref().clone();
    if let Some(provider) = ctx.provider {
        if let Err(problem) = check_pool_name(provider, &name) {
            let help = match &problem.suggestion {
                Some(fixed) => format!("{}; e.g. `{fixed}`", problem.rule),
                None => problem.rule.to_string(),
            };
            issues.push(
                Issue::new(
                    ErrorKind::InvalidPoolName,
                    header.clone(),
                    format!(
                        "`{name}` is not a valid {} pool name",
                        provider.display_name()
                    ),
                )
                .label("invalid pool name")
                .help(help),
            );
        }
    }
    // Where each setting of the cloud is written, the pool's own over [defaults] over
    // [cluster.eks], for the AKS and EKS rules below (the tables are consumed by the checks).
    let mut extra_spans: BTreeMap<PoolField, Range<usize>> = BTreeMap::new();
    for tables in [&defaults.extra_spans, &spans_of(&raw.shared.extras, ctx)] {
        extra_spans.extend(tables.clone());
    }
    for (field, span) in &ctx.cluster_extra_spans {
        extra_spans.entry(*field).or_insert_with(|| span.clone());
    }
    let own = check_shared(raw.shared, ctx, issues);
    let machine_type = own.machine_type.or(&defaults.machine_type).clone();
    // On EKS `instance_types` may stand in for `machine_type`: the EKS rules check it.
    let eks_types_given = ctx.provider == Some(ProviderKind::Eks)
        && extra_spans.contains_key(&PoolField::InstanceTypes);
    if matches!(machine_type, Field::Absent)
        && !raw.misspelt.contains(&"machine_type")
        && !eks_types_given
    {
        issues.push(
            Issue::new(
                ErrorKind::MissingKey,
                header.clone(),
                format!("[pools.{name}] needs `machine_type`"),
            )
            .label("`machine_type` is missing here")
            .help(match ctx.provider {
                Some(ProviderKind::Eks) => {
                    "set `machine_type` in this pool or in [defaults], or list \
                     `instance_types` in [pools.NAME.eks]"
                }
                _ => "set `machine_type` in this pool or in [defaults]",
            }),
        );
    }
    let labels = match (&defaults.labels, &own.labels) {
        (Field::Invalid, _) | (_, Field::Invalid) => Field::Invalid,
        (Field::Absent, Field::Absent) => {
            Field::Given(Spanned::new(header.clone(), BTreeMap::new()))
        }
        (base, over) => {
            let mut merged = BTreeMap::new();
            let mut span = header.clone();
            for field in [base, over] {
                if let Field::Given(labels) = field {
                    merged.extend(labels.get_ref().clone());
                    span = labels.span();
                }
            }
            Field::Given(Spanned::new(span, merged))
        }
    };
    let taints_from_defaults = matches!(own.taints, Field::Absent);
    let taints = own.taints.or(&defaults.taints).clone();
    let disk_gb = own.disk_gb.or(&defaults.disk_gb).clone();
    let zones = own.zones.or(&defaults.zones).clone();

    let scaling = check_scaling(
        &ScalingInput {
            size: &raw.size,
            autoscale: &raw.autoscale,
            zones: &zones,
            header: header.clone(),
            misspelt: raw
                .misspelt
                .iter()
                .any(|k| matches!(*k, "size" | "autoscale")),
            class: raw.class.given().map(|c| *c.get_ref()),
            provider: ctx.provider,
            location: ctx.location.as_deref(),
        },
        issues,
    );
    if let Field::Given(class) = &raw.class {
        check_class(
            &ClassView {
                class,
                header: header.clone(),
                taints: &taints,
                taints_from_defaults,
                gpu: &raw.gpu,
                gpu_misspelt: raw.misspelt.contains(&"gpu"),
                spot: &raw.spot,
            },
            issues,
        );
    }
    // The pool's own settings win over [defaults], and those over [cluster.eks], key by key.
    let extras = match (&ctx.cluster_extras, &defaults.extras, &own.extras) {
        (Some(cluster), Some(base), Some(over)) => {
            let mut merged = cluster.clone();
            merged.extend(base.clone());
            merged.extend(over.clone());
            Some(merged)
        }
        _ => None,
    };

    // Build only when every part is usable; problems have been reported above.
    let class = *raw.class.given()?.get_ref();
    let provider = ctx.provider?;
    let (scaling, scaling_spans) = scaling?;
    let written_taints = match &taints {
        Field::Given(t) => t.get_ref().clone(),
        Field::Absent => Vec::new(),
        Field::Invalid => return None,
    };
    let spot = match &raw.spot {
        Field::Given(spot) => *spot.get_ref() || class.is_spot(),
        Field::Absent => class.is_spot(),
        Field::Invalid => return None,
    };
    if spot && class == PoolClass::Core {
        return None;
    }
    let protect = match &raw.protect {
        Field::Given(protect) => Some((*protect.get_ref(), protect.span())),
        Field::Absent => None,
        Field::Invalid => return None,
    };
    let taints = with_class_taint(class, spot, provider, &written_taints, issues);
    let gpu = match &raw.gpu {
        Field::Given(gpu) => {
            let gpu = gpu.get_ref();
            Some(Gpu {
                kind: gpu.kind.get_ref().clone(),
                count: *gpu.count.get_ref(),
            })
        }
        Field::Absent => None,
        Field::Invalid => return None,
    };
    // The EKS rules run even when a setting is invalid, so that every problem is reported.
    let eks = if provider == ProviderKind::Eks {
        let mut eks_extras = extras.clone().unwrap_or_default();
        let settled = eks_rules(
            &EksPool {
                name: &name,
                class,
                header: header.clone(),
                machine_type: machine_type
                    .given()
                    .map(|m| (m.get_ref().as_str(), m.span())),
                gpu: &raw.gpu,
                disk_span: disk_gb.given().map(|d| d.span()),
                extra_spans: &extra_spans,
                settings_valid: extras.is_some(),
            },
            &mut eks_extras,
            issues,
        );
        Some((settled?, eks_extras))
    } else {
        None
    };
    let machine = match &eks {
        Some((settled, _)) => Spanned::new(header.clone(), settled.machine_type.clone()),
        None => machine_type.given()?.clone(),
    };
    // The AKS rules run even when a setting is invalid, so that every problem is reported.
    let aks = if provider == ProviderKind::Aks {
        let mode = match extras.as_ref().and_then(|e| e.get(&PoolField::Mode)) {
            Some(ExtraValue::Text(mode)) => Some((
                mode.as_str(),
                extra_spans
                    .get(&PoolField::Mode)
                    .cloned()
                    .unwrap_or_else(|| header.clone()),
            )),
            _ => None,
        };
        let aks = aks_rules(
            &AksPool {
                class,
                header: header.clone(),
                mode,
                spot,
                spot_span: raw.spot.given().map(|s| s.span()),
                scaling,
                count_span: scaling_spans.count().unwrap_or_else(|| header.clone()),
                machine_type: machine.get_ref(),
                machine_span: Some(machine.span()),
                gpu: &raw.gpu,
            },
            issues,
        );
        Some(aks?)
    } else {
        None
    };
    let mut extras = extras?;
    let gpu = match (aks, eks) {
        (Some((mode, gpu)), _) => {
            extras.insert(PoolField::Mode, mode);
            gpu
        }
        (None, Some((settled, eks_extras))) => {
            extras = eks_extras;
            settled.gpu
        }
        (None, None) => gpu,
    };
    let mut spec = PoolSpec {
        name: name.clone(),
        machine_type: machine.get_ref().clone(),
        scaling,
        labels: labels.given()?.get_ref().clone(),
        taints,
        spot,
        gpu,
        disk_gb: optional(&disk_gb)?,
        zones: optional(&zones)?.unwrap_or_default(),
        tags: BTreeMap::new(),
        extras,
    };
    spec.normalize();
    if provider == ProviderKind::Eks {
        // So that Cluster Autoscaler can scale the group up from zero; derived here, so a
        // label or taint change moves them in the same apply.
        let labels_span = labels.given().map(|l| l.span()).unwrap_or(header.clone());
        if !check_autoscaler_tags(&spec, labels_span, issues) {
            return None;
        }
        spec.tags.extend(node_template_tags(&spec));
    }
    Some(PoolConfig {
        name,
        class,
        spec,
        replace: raw
            .replace
            .given()
            .map(|r| *r.get_ref())
            .unwrap_or_default(),
        protect: protect.as_ref().is_some_and(|(on, _)| *on),
        spans: PoolSpans {
            header: to_span(&header),
            size: scaling_spans.size.map(|s| to_span(&s)),
            autoscale: scaling_spans.autoscale.map(|s| to_span(&s)),
            zones: zones.given().map(|z| to_span(&z.span())),
            protect: protect.map(|(_, span)| to_span(&span)),
        },
    })
}

/// `Some(None)` for an absent field, `None` for an invalid one.
fn optional<T: Clone>(field: &Field<T>) -> Option<Option<T>> {
    match field {
        Field::Given(value) => Some(Some(value.get_ref().clone())),
        Field::Absent => Some(None),
        Field::Invalid => None,
    }
}

/// Checks the provider-settings tables of `[defaults]` or a pool: only the cluster's cloud
/// may have one, and each value must be one that cloud accepts.
fn check_extras(
    tables: &[RawExtras],
    ctx: &Context,
    issues: &mut Issues,
) -> Option<BTreeMap<PoolField, ExtraValue>> {
    let mut out = BTreeMap::new();
    let mut ok = true;
    for table in tables {
        let Some(provider) = ctx.provider else {
            continue;
        };
        if table.provider != provider {
            ok = false;
            issues.push(
                Issue::new(
                    ErrorKind::ForeignProviderExtras,
                    table.span.clone(),
                    format!(
                        "`{}` settings in {} blueprint",
                        table.provider.as_str(),
                        provider.with_article()
                    ),
                )
                .label(format!("the cluster's provider is {}", provider.as_str()))
                .help(format!(
                    "use a [pools.NAME.{}] table for {} settings, or remove this one",
                    provider.as_str(),
                    provider.display_name()
                )),
            );
            continue;
        }
        for (field, (_, value)) in &table.values {
            if check_extra(provider, *field, value, issues) {
                out.insert(*field, value.get_ref().clone());
            } else {
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn to_span(range: &Range<usize>) -> SourceSpan {
    SourceSpan::from(range.clone())
}

//! EKS rules that tie several settings of a node group together: the subnets and node role
//! every group needs (from `[cluster.eks]` unless the pool says otherwise), its instance
//! types and the pool's `machine_type`, the AMI type that fits them and the class, the
//! GPUs that come with the instance type, what a launch template excludes, and the Cluster
//! Autoscaler tags of a group that scales from zero.

use super::errors::{ErrorKind, Issue, Issues};
use super::load::RawGpu;
use super::typed::{Field, Labels, Strings};
use super::PoolClass;
use poolctl_provider::autoscaler_tags::node_template_tags;
use poolctl_provider::machines::{eks_gpu_types_of, eks_instance_gpus, eks_is_arm64};
use poolctl_provider::{ExtraValue, Field as PoolField, Gpu, PoolSpec};
use std::collections::BTreeMap;
use std::ops::Range;

/// EKS's TagMap holds at most 50 tags (botocore model), of which poolctl's ownership tags
/// take up to 4 (pool, blueprint, class, protect).
const TAGS_MAX: usize = 50;
const OWNERSHIP_TAGS: usize = 4;

/// What the EKS rules look at in one pool, with where each thing is written.
pub(crate) struct EksPool<'a> {
    pub(crate) name: &'a str,
    pub(crate) class: PoolClass,
    pub(crate) header: Range<usize>,
    /// `machine_type`, when written (in the pool or in `[defaults]`).
    pub(crate) machine_type: Option<(&'a str, Range<usize>)>,
    pub(crate) gpu: &'a Field<RawGpu>,
    /// `disk_gb`, when written.
    pub(crate) disk_span: Option<Range<usize>>,
    /// Where each `[pools.NAME.eks]` / `[defaults.eks]` / `[cluster.eks]` setting is written.
    pub(crate) extra_spans: &'a BTreeMap<PoolField, Range<usize>>,
    /// False when a setting was refused already: what is missing cannot be told then.
    pub(crate) settings_valid: bool,
}

/// What the rules settle for an EKS pool.
pub(crate) struct EksSettled {
    pub(crate) machine_type: String,
    pub(crate) gpu: Option<Gpu>,
}

/// Completes the pool's EKS settings (instance types, AMI type) in `extras` and settles its
/// machine type and GPUs, or reports why the pool cannot be an EKS node group.
pub(crate) fn eks_rules(
    pool: &EksPool<'_>,
    extras: &mut BTreeMap<PoolField, ExtraValue>,
    issues: &mut Issues,
) -> Option<EksSettled> {
    let before = issues.len();
    let at = |field: PoolField| {
        pool.extra_spans
            .get(&field)
            .cloned()
            .unwrap_or_else(|| pool.header.clone())
    };
    let missing: Vec<&str> = [PoolField::Subnets, PoolField::NodeRole]
        .into_iter()
        .filter(|f| !extras.contains_key(f))
        .map(PoolField::blueprint_key)
        .collect();
    if !missing.is_empty() && pool.settings_valid {
        let keys = missing
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(" and ");
        issues.push(
            Issue::new(
                ErrorKind::MissingKey,
                pool.header.clone(),
                format!("EKS node group `{}` needs {keys}", pool.name),
            )
            .label(format!("no {keys} for this pool"))
            .help(format!(
                "write them once in [cluster.eks] for every node group, e.g.\n[cluster.eks]\n{}\nor in this pool's [pools.{}.eks]",
                missing
                    .iter()
                    .map(|k| match *k {
                        "subnets" => "subnets = [\"subnet-0123456789abcdef0\"]",
                        _ => "node_role = \"arn:aws:iam::ACCOUNT:role/NAME\"",
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                pool.name
            )),
        );
    }

    // The instance types: `instance_types` when written (the first is the machine type),
    // else the one `machine_type`.
    let listed = match extras.get(&PoolField::InstanceTypes) {
        Some(ExtraValue::List(types)) => Some(types.clone()),
        _ => None,
    };
    let types = match (&listed, &pool.machine_type) {
        (Some(types), Some((machine, span))) => {
            if types.first().map(String::as_str) != Some(*machine) {
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        span.clone(),
                        format!(
                            "`machine_type = \"{machine}\"` is not the first of `instance_types`"
                        ),
                    )
                    .label("the pool's machine type")
                    .also(at(PoolField::InstanceTypes), "the instance types")
                    .help(
                        "EKS takes the instance types in order of preference: leave \
                         `machine_type` out when `instance_types` is set, or list it first",
                    ),
                );
            }
            types.clone()
        }
        (Some(types), None) => types.clone(),
        (None, Some((machine, _))) => vec![(*machine).to_string()],
        // Reported where the pool is checked (or as the misspelt key that stood for it).
        (None, None) => {
            return None;
        }
    };
    let machine_type = types.first().cloned().unwrap_or_default();
    let types_span = pool
        .extra_spans
        .get(&PoolField::InstanceTypes)
        .cloned()
        .or_else(|| pool.machine_type.as_ref().map(|(_, span)| span.clone()))
        .unwrap_or_else(|| pool.header.clone());

    let arm = types.iter().filter(|t| eks_is_arm64(t)).count();
    if arm != 0 && arm != types.len() {
        issues.push(
            Issue::new(
                ErrorKind::InvalidValue,
                types_span.clone(),
                "the instance types mix arm64 (Graviton) and x86_64",
            )
            .label("one node group, two architectures")
            .help("a node group has one AMI type, so one architecture: split them into two pools"),
        );
    }
    let arm = arm != 0;

    let gpu = eks_gpus(pool, &types, &types_span, issues);

    let launch_template = extras.contains_key(&PoolField::LaunchTemplateId)
        || extras.contains_key(&PoolField::LaunchTemplateName);
    if let (true, Some(disk)) = (launch_template, &pool.disk_span) {
        issues.push(
            Issue::new(
                ErrorKind::InvalidValue,
                disk.clone(),
                "`disk_gb` cannot be set with a launch template",
            )
            .label("disk size")
            .also(
                pool.extra_spans
                    .get(&PoolField::LaunchTemplateId)
                    .or(pool.extra_spans.get(&PoolField::LaunchTemplateName))
                    .cloned()
                    .unwrap_or_else(|| pool.header.clone()),
                "the launch template",
            )
            .help("EKS refuses diskSize with a launch template: set the volume size in the template's block device mapping"),
        );
    }

    match extras.get(&PoolField::AmiType) {
        Some(ExtraValue::Text(ami)) => {
            let ami_arm = ami.contains("ARM_64");
            let ami_gpu = ami.contains("NVIDIA") || ami.ends_with("_GPU");
            if ami_arm != arm {
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        at(PoolField::AmiType),
                        format!(
                            "`{ami}` is an {} AMI, but `{machine_type}` is {}",
                            if ami_arm { "arm64" } else { "x86_64" },
                            if arm { "arm64 (Graviton)" } else { "x86_64" }
                        ),
                    )
                    .label("wrong architecture")
                    .also(types_span.clone(), "the instance type")
                    .help(format!(
                        "leave `ami_type` out and poolctl picks {}",
                        default_ami(pool.class, arm)
                    )),
                );
            } else if pool.class == PoolClass::Gpu && !ami_gpu {
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        at(PoolField::AmiType),
                        format!("`{ami}` has no NVIDIA drivers, but this is a gpu pool"),
                    )
                    .label("not a GPU AMI")
                    .help(format!(
                        "leave `ami_type` out and poolctl picks {}",
                        default_ami(pool.class, arm)
                    )),
                );
            }
        }
        // A launch template may carry its own AMI, in which case EKS must not be sent an
        // AMI type: the blueprint says it when the template has none.
        _ if launch_template => {}
        _ => {
            extras.insert(
                PoolField::AmiType,
                ExtraValue::Text(default_ami(pool.class, arm).to_string()),
            );
        }
    }
    extras.insert(PoolField::InstanceTypes, ExtraValue::List(types));
    (issues.len() == before).then_some(EksSettled { machine_type, gpu })
}

/// The AL2023 AMI type for the class and architecture: AL2 reached end of support in 2025.
fn default_ami(class: PoolClass, arm: bool) -> &'static str {
    match (class == PoolClass::Gpu, arm) {
        (true, false) => "AL2023_x86_64_NVIDIA",
        (true, true) => "AL2023_ARM_64_NVIDIA",
        (false, false) => "AL2023_x86_64_STANDARD",
        (false, true) => "AL2023_ARM_64_STANDARD",
    }
}

/// The GPUs of the pool's instance types, checked against what the blueprint says of them.
fn eks_gpus(
    pool: &EksPool<'_>,
    types: &[String],
    types_span: &Range<usize>,
    issues: &mut Issues,
) -> Option<Gpu> {
    let first = types.first()?;
    let of_type = eks_instance_gpus(first);
    match (pool.class, pool.gpu) {
        (PoolClass::Gpu, Field::Given(written)) => {
            let written = written.get_ref();
            let want = Gpu {
                kind: written.kind.get_ref().clone(),
                count: *written.count.get_ref(),
            };
            for t in types {
                match eks_instance_gpus(t) {
                    Some(has) if has == want => {}
                    Some(has) => issues.push(
                        Issue::new(
                            ErrorKind::InvalidValue,
                            written.kind.span().start..written.count.span().end,
                            format!(
                                "`{t}` has {} {} GPU{}, not {} {}",
                                has.count,
                                has.kind,
                                if has.count == 1 { "" } else { "s" },
                                want.count,
                                want.kind
                            ),
                        )
                        .label("does not match the instance type")
                        .also(types_span.clone(), "the instance type")
                        .help(format!(
                            "on EKS the GPUs come with the instance type: write `gpu = {{ type = \"{}\", count = {} }}`, or pick {}",
                            has.kind,
                            has.count,
                            types_for(&want.kind)
                        )),
                    ),
                    None => issues.push(
                        Issue::new(
                            ErrorKind::InvalidValue,
                            types_span.clone(),
                            format!("poolctl does not know `{t}` as an EC2 GPU instance type"),
                        )
                        .label("no GPUs known for this type")
                        .also(written.kind.span(), "the GPUs the pool asks for")
                        .help(format!(
                            "poolctl reads a node group's GPUs back from its instance type, so it must know it; for {}: {}",
                            want.kind,
                            types_for(&want.kind)
                        )),
                    ),
                }
            }
            of_type
        }
        (PoolClass::Gpu, _) => of_type,
        (class, _) => {
            if let Some(has) = &of_type {
                issues.push(
                    Issue::new(
                        ErrorKind::GpuOnNonGpuClass,
                        types_span.clone(),
                        format!(
                            "`{first}` is a GPU instance type ({} × {}) in a {} pool",
                            has.count,
                            has.kind,
                            class.as_str()
                        ),
                    )
                    .label("GPU instance type")
                    .help(format!(
                        "set `class = \"gpu\"` and `gpu = {{ type = \"{}\", count = {} }}`: the gpu \
                         class taints the pool so that only GPU workloads land on its expensive nodes",
                        has.kind, has.count
                    )),
                );
            }
            None
        }
    }
}

fn types_for(kind: &str) -> String {
    let types = eks_gpu_types_of(kind);
    if types.is_empty() {
        "a GPU instance type (g4dn, g5, g5g, g6, g6e, p3, p4d, p5 families)".to_string()
    } else {
        format!("one of {}", types.join(", "))
    }
}

/// Refuses a pool whose Cluster Autoscaler node-template tags EKS could not hold: more than
/// its 50 tags. (Their keys always fit in 128 characters: EKS caps label and taint keys at
/// 63, see [`check_eks_label_limits`].)
pub(crate) fn check_autoscaler_tags(
    spec: &PoolSpec,
    labels_span: Range<usize>,
    issues: &mut Issues,
) -> bool {
    let before = issues.len();
    let tags = node_template_tags(spec);
    if tags.len() + OWNERSHIP_TAGS > TAGS_MAX {
        issues.push(
            Issue::new(
                ErrorKind::InvalidValue,
                labels_span.clone(),
                format!(
                    "this pool would need {} Cluster Autoscaler tags, one per label and taint; \
                     EKS allows {TAGS_MAX} tags, {OWNERSHIP_TAGS} of them poolctl's own",
                    tags.len()
                ),
            )
            .label("labels of a pool that scales from zero")
            .help("use fewer labels and taints, or a minimum of 1 node"),
        );
    }
    issues.len() == before
}

/// EKS's limits on node labels and taints (botocore model: label keys and values 1 to 63
/// characters, taint keys 1 to 63 and values at most 63), which are narrower than
/// Kubernetes': a DNS-prefixed key counts whole. Returns whether (labels, taints) pass.
pub(crate) fn check_eks_label_limits(
    labels: &Field<Labels>,
    taints: &Field<Strings>,
    issues: &mut Issues,
) -> (bool, bool) {
    const MAX: usize = 63;
    let before = issues.len();
    if let Field::Given(labels) = labels {
        for (key, value) in labels.get_ref() {
            if key.get_ref().len() > MAX {
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidLabel,
                        key.span(),
                        format!(
                            "EKS takes label keys of at most {MAX} characters, prefix included; `{}` has {}",
                            key.get_ref(),
                            key.get_ref().len()
                        ),
                    )
                    .label("too long for EKS")
                    .help("use a shorter prefix or name"),
                );
            }
            if value.get_ref().is_empty() || value.get_ref().len() > MAX {
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidLabel,
                        value.span(),
                        format!(
                            "EKS takes label values of 1 to {MAX} characters; the value of `{}` has {}",
                            key.get_ref(),
                            value.get_ref().len()
                        ),
                    )
                    .label("not a value EKS accepts")
                    .help("EKS refuses an empty label value: give it one, e.g. \"true\""),
                );
            }
        }
    }
    let labels_ok = issues.len() == before;
    let before = issues.len();
    if let Field::Given(taints) = taints {
        for text in taints.get_ref() {
            let Ok(taint) = text.get_ref().parse::<poolctl_provider::Taint>() else {
                continue;
            };
            if taint.key.len() > MAX || taint.value.len() > MAX {
                issues.push(
                    Issue::new(
                        ErrorKind::InvalidTaint,
                        text.span(),
                        format!(
                            "EKS takes taint keys and values of at most {MAX} characters, prefix included"
                        ),
                    )
                    .label("too long for EKS")
                    .help("use a shorter key or value"),
                );
            }
        }
    }
    (labels_ok, issues.len() == before)
}

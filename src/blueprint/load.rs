//! TOML text to a raw blueprint: every value typed and kept with its source span,
//! unknown keys and wrong types reported; the cloud and class rules come later (validate.rs).

use super::errors::{ErrorKind, Issue, Issues};
use super::suggest::closest;
use super::typed::{Field, Item, Labels, Reader, Strings};
use super::{PoolClass, ProviderKind, ReplaceStrategy};
use poolctl_provider::{ExtraKind, ExtraValue, Field as PoolField};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::DeTable;
use toml::Spanned;

#[derive(Debug)]
pub(crate) struct RawBlueprint {
    pub(crate) cluster: Option<RawCluster>,
    pub(crate) defaults: RawShared,
    pub(crate) pools: Vec<RawPool>,
}

#[derive(Debug)]
pub(crate) struct RawCluster {
    /// The `[cluster]` header.
    pub(crate) span: Range<usize>,
    pub(crate) provider: Field<ProviderKind>,
    pub(crate) name: Field<String>,
    pub(crate) project: Field<String>,
    pub(crate) subscription: Field<String>,
    pub(crate) resource_group: Field<String>,
    pub(crate) location: Field<String>,
    /// EKS's word for the location.
    pub(crate) region: Field<String>,
    pub(crate) endpoint: Field<String>,
    pub(crate) compute_endpoint: Field<String>,
    pub(crate) emulator: Field<bool>,
    /// How many pool operations run at once on this cluster.
    pub(crate) parallel_operations: Field<u32>,
    /// `[cluster.eks]`: the node-group settings every pool starts from (subnets, node role).
    pub(crate) eks: Option<RawExtras>,
}

/// The settings `[defaults]` and `[pools.NAME]` have in common.
#[derive(Debug)]
pub(crate) struct RawShared {
    pub(crate) machine_type: Field<String>,
    pub(crate) labels: Field<Labels>,
    pub(crate) taints: Field<Strings>,
    pub(crate) disk_gb: Field<u32>,
    pub(crate) zones: Field<Strings>,
    /// `[... .gke]`, `[... .aks]`, `[... .eks]` tables, whichever are written.
    pub(crate) extras: Vec<RawExtras>,
}

impl RawShared {
    fn empty() -> Self {
        RawShared {
            machine_type: Field::Absent,
            labels: Field::Absent,
            taints: Field::Absent,
            disk_gb: Field::Absent,
            zones: Field::Absent,
            extras: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct RawPool {
    /// The logical name, spanning the key in `[pools.NAME]`.
    pub(crate) name: Spanned<String>,
    pub(crate) class: Field<PoolClass>,
    pub(crate) size: Field<u32>,
    pub(crate) autoscale: Field<RawAutoscale>,
    pub(crate) gpu: Field<RawGpu>,
    pub(crate) replace: Field<ReplaceStrategy>,
    pub(crate) spot: Field<bool>,
    pub(crate) protect: Field<bool>,
    pub(crate) shared: RawShared,
    /// Known keys that an unknown key in this pool looked like a typo of: a missing
    /// `machine_type` next to `machin_type` is one mistake, reported once.
    pub(crate) misspelt: Vec<&'static str>,
}

#[derive(Debug)]
pub(crate) struct RawAutoscale {
    pub(crate) min: Spanned<u32>,
    pub(crate) max: Spanned<u32>,
}

#[derive(Debug)]
pub(crate) struct RawGpu {
    pub(crate) kind: Spanned<String>,
    pub(crate) count: Spanned<u32>,
}

/// A `[pools.NAME.<provider>]` (or `[defaults.<provider>]`) table.
#[derive(Debug)]
pub(crate) struct RawExtras {
    pub(crate) provider: ProviderKind,
    /// The `gke` / `aks` / `eks` key.
    pub(crate) span: Range<usize>,
    /// Each setting with the span of its key and its value.
    pub(crate) values: BTreeMap<PoolField, (Range<usize>, Spanned<ExtraValue>)>,
}

/// The key of the launch-template table in `[pools.NAME.eks]`.
const LAUNCH_TEMPLATE: &str = "launch_template";
const TOP_KEYS: &[&str] = &["cluster", "defaults", "pools"];
/// Planned top-level keys, refused with a clearer word than "unknown".
const LATER_TOP_KEYS: &[(&str, &str)] = &[
    ("extends", "templates (`extends`) are"),
    ("env", "environment overlays (`[env.NAME]`) are"),
];
const CLUSTER_KEYS: &[&str] = &[
    "provider",
    "name",
    "project",
    "subscription",
    "resource_group",
    "location",
    "region",
    "endpoint",
    "compute_endpoint",
    "emulator",
    "parallel_operations",
    "eks",
];
/// The settings `[cluster.eks]` gives every node group.
const CLUSTER_EKS_FIELDS: &[PoolField] = &[PoolField::Subnets, PoolField::NodeRole];
const SHARED_KEYS: &[&str] = &[
    "labels",
    "taints",
    "disk_gb",
    "zones",
    "machine_type",
    "gke",
    "aks",
    "eks",
];
const POOL_KEYS: &[&str] = &[
    "class",
    "machine_type",
    "size",
    "autoscale",
    "labels",
    "taints",
    "gpu",
    "spot",
    "disk_gb",
    "zones",
    "replace",
    "protect",
    "gke",
    "aks",
    "eks",
];
/// Words from other tools that edit distance cannot map to ours: (word, help, the key it stands for).
const POOL_KEY_ALIASES: &[(&str, &str, &str)] = &[
    (
        "preemptible",
        "preemptible VMs are spot capacity: write `spot = true`",
        "spot",
    ),
    (
        "capacity_type",
        "spot capacity is `spot = true`; on-demand is the default",
        "spot",
    ),
    (
        "prevent_destroy",
        "did you mean `protect = true`?",
        "protect",
    ),
    (
        "instance_type",
        "did you mean `machine_type`?",
        "machine_type",
    ),
    (
        "instance_types",
        "did you mean `machine_type`?",
        "machine_type",
    ),
    ("vm_size", "did you mean `machine_type`?", "machine_type"),
    ("node_count", SCALING_HELP, "size"),
    ("count", SCALING_HELP, "size"),
    ("nodes", SCALING_HELP, "size"),
    (
        "min",
        "write `autoscale = { min = .., max = .. }`",
        "autoscale",
    ),
    (
        "max",
        "write `autoscale = { min = .., max = .. }`",
        "autoscale",
    ),
    ("disk_size", "did you mean `disk_gb`?", "disk_gb"),
    ("disk_size_gb", "did you mean `disk_gb`?", "disk_gb"),
    ("locations", "did you mean `zones`?", "zones"),
];
const SCALING_HELP: &str = "write `size = N` for a static pool or `autoscale = { min, max }`";
const PROVIDER_ALIASES: &[(&str, &str)] = &[
    ("gcp", "gke"),
    ("google", "gke"),
    ("azure", "aks"),
    ("aws", "eks"),
    ("amazon", "eks"),
];

/// Reads a parsed TOML document into the raw model, reporting shape errors into `issues`.
pub(crate) fn read(doc: &DeTable<'_>, issues: &mut Issues) -> RawBlueprint {
    let mut r = Reader {
        issues,
        provider: None,
    };
    for (key, _) in doc.iter() {
        if let Some((_, what)) = LATER_TOP_KEYS.iter().find(|(k, _)| *k == key.get_ref()) {
            r.issues.push(
                Issue::new(
                    ErrorKind::NotSupportedYet,
                    key.span(),
                    format!("{what} not supported yet"),
                )
                .label("planned, not implemented in this version")
                .help("remove this key and write the merged blueprint out in full for now"),
            );
        }
    }
    r.unknown_keys(doc, TOP_KEYS, "at the top level", |k| {
        LATER_TOP_KEYS.iter().any(|(later, _)| *later == k)
    });

    let cluster = match doc.get_key_value("cluster") {
        Some((key, item)) => r.table(item, "cluster").map(|t| r.cluster(t, item, key)),
        None => {
            r.issues.push(
                Issue::new(
                    ErrorKind::MissingKey,
                    0..0,
                    "the blueprint has no [cluster] table",
                )
                .label("expected [cluster] in this file")
                .help("add a [cluster] table with `provider` and `name`"),
            );
            None
        }
    };
    r.provider = cluster
        .as_ref()
        .and_then(|c| c.provider.given().map(|p| *p.get_ref()));
    let defaults = match doc.get("defaults") {
        Some(item) => match r.table(item, "defaults") {
            Some(t) => {
                r.unknown_keys(t, SHARED_KEYS, "in [defaults]", |_| false);
                r.shared(t, "defaults")
            }
            None => RawShared::empty(),
        },
        None => RawShared::empty(),
    };
    let pools = match doc.get("pools") {
        Some(item) => {
            match r.table_with_help(item, "pools", "write each pool as a `[pools.NAME]` table") {
                Some(t) => t
                    .iter()
                    .filter_map(|(name, item)| {
                        let table = r.table(item, &format!("pools.{}", name.get_ref()))?;
                        Some(r.pool(name, table))
                    })
                    .collect(),
                None => Vec::new(),
            }
        }
        None => Vec::new(),
    };
    RawBlueprint {
        cluster,
        defaults,
        pools,
    }
}

impl Reader<'_> {
    fn cluster(
        &mut self,
        t: &DeTable<'_>,
        item: &Item<'_>,
        key: &Spanned<std::borrow::Cow<'_, str>>,
    ) -> RawCluster {
        let misspelt = self.unknown_keys(t, CLUSTER_KEYS, "in [cluster]", |_| false);
        // A `[cluster]` header spans the brackets; an inline table only its key.
        let span = if item.span().start < key.span().start {
            item.span()
        } else {
            key.span()
        };
        let provider = self.string(t, "provider").map(|p| self.provider(&p, t));
        if matches!(provider, Field::Absent) && !misspelt.contains(&"provider") {
            self.missing(
                span.clone(),
                "provider",
                "[cluster]",
                "set `provider = \"gke\"` (or \"aks\", \"eks\")",
            );
        }
        let name = self.string(t, "name");
        if matches!(name, Field::Absent) && !misspelt.contains(&"name") {
            self.missing(
                span.clone(),
                "name",
                "[cluster]",
                "set `name` to the cluster's name in the cloud",
            );
        }
        RawCluster {
            span,
            provider,
            name,
            project: self.string(t, "project"),
            subscription: self.string(t, "subscription"),
            resource_group: self.string(t, "resource_group"),
            location: self.string(t, "location"),
            region: self.string(t, "region"),
            endpoint: self.string(t, "endpoint"),
            compute_endpoint: self.string(t, "compute_endpoint"),
            emulator: self.boolean(t, "emulator"),
            parallel_operations: self.count(t, "parallel_operations"),
            eks: self.extras(t, ProviderKind::Eks, "cluster", Some(CLUSTER_EKS_FIELDS)),
        }
    }

    /// Turns a provider word into a kind; reports and returns `None` for any other word.
    fn provider(&mut self, word: &str, t: &DeTable<'_>) -> Option<ProviderKind> {
        let kind = match word {
            "gke" => Some(ProviderKind::Gke),
            "aks" => Some(ProviderKind::Aks),
            "eks" => Some(ProviderKind::Eks),
            _ => None,
        };
        if kind.is_none() {
            let span = t.get("provider").map(|i| i.span()).unwrap_or(0..0);
            let alias = PROVIDER_ALIASES
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(word))
                .map(|(_, kind)| *kind)
                .or_else(|| closest(word, &["gke", "aks", "eks"]));
            self.issues.push(
                Issue::new(
                    ErrorKind::InvalidValue,
                    span,
                    format!("unknown provider `{word}`"),
                )
                .label("expected \"gke\", \"aks\" or \"eks\"")
                .maybe_help(alias.map(|a| format!("did you mean `{a}`?"))),
            );
        }
        kind
    }

    fn pool(&mut self, name: &Spanned<std::borrow::Cow<'_, str>>, t: &DeTable<'_>) -> RawPool {
        let place = format!("in [pools.{}]", name.get_ref());
        let misspelt = self.unknown_keys_with_aliases(t, POOL_KEYS, &place, POOL_KEY_ALIASES);
        let header = name.span();
        let class_span = t.get("class").map(|i| i.span()).unwrap_or(0..0);
        let class = self.string(t, "class").map(|word| {
            let class = match word.as_str() {
                "core" => Some(PoolClass::Core),
                "workload" => Some(PoolClass::Workload),
                "gpu" => Some(PoolClass::Gpu),
                "spot" => Some(PoolClass::Spot),
                _ => None,
            };
            if class.is_none() {
                self.issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        class_span.clone(),
                        format!("unknown pool class `{word}`"),
                    )
                    .label("expected \"core\", \"workload\", \"gpu\" or \"spot\"")
                    .maybe_help(
                        closest(&word, &["core", "workload", "gpu", "spot"])
                            .map(|c| format!("did you mean `{c}`?")),
                    ),
                );
            }
            class
        });
        let replace_span = t.get("replace").map(|i| i.span()).unwrap_or(0..0);
        let replace = self.string(t, "replace").map(|word| {
            let strategy = match word.as_str() {
                "create-before-destroy" => Some(ReplaceStrategy::CreateBeforeDestroy),
                "delete-first" => Some(ReplaceStrategy::DeleteFirst),
                _ => None,
            };
            if strategy.is_none() {
                let choices = ["create-before-destroy", "delete-first"];
                self.issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        replace_span.clone(),
                        format!("unknown replacement strategy `{word}`"),
                    )
                    .label("expected \"create-before-destroy\" or \"delete-first\"")
                    .maybe_help(closest(&word, &choices).map(|c| format!("did you mean `{c}`?"))),
                );
            }
            strategy
        });
        if matches!(class, Field::Absent) && !misspelt.contains(&"class") {
            self.missing(
                header.clone(),
                "class",
                &format!("[pools.{}]", name.get_ref()),
                "set `class` to \"core\", \"workload\", \"gpu\" or \"spot\"",
            );
        }
        let autoscale = self.sub_table(t, "autoscale", |r, sub, span| {
            let misspelt = r.unknown_keys(sub, &["min", "max"], "in `autoscale`", |_| false);
            let min = r.count(sub, "min");
            let max = r.count(sub, "max");
            for (field, key) in [(&min, "min"), (&max, "max")] {
                if matches!(field, Field::Absent) && !misspelt.contains(&key) {
                    r.missing(
                        span.clone(),
                        key,
                        "`autoscale`",
                        "write `autoscale = { min = 0, max = 10 }`",
                    );
                }
            }
            match (min, max) {
                (Field::Given(min), Field::Given(max)) => Some(RawAutoscale { min, max }),
                _ => None,
            }
        });
        let gpu = self.sub_table(t, "gpu", |r, sub, span| {
            let misspelt = r.unknown_keys(sub, &["type", "count"], "in `gpu`", |_| false);
            let kind = r.string(sub, "type");
            let count = r.count(sub, "count");
            if matches!(kind, Field::Absent) && !misspelt.contains(&"type") {
                r.missing(
                    span.clone(),
                    "type",
                    "`gpu`",
                    "name the accelerator, e.g. `type = \"nvidia-l4\"`",
                );
            }
            if matches!(count, Field::Absent) && !misspelt.contains(&"count") {
                r.missing(
                    span.clone(),
                    "count",
                    "`gpu`",
                    "set how many GPUs each node gets, e.g. `count = 1`",
                );
            }
            if let Field::Given(count) = &count {
                if *count.get_ref() == 0 {
                    r.issues.push(
                        Issue::new(
                            ErrorKind::InvalidValue,
                            count.span(),
                            "a GPU count of 0 attaches no GPU",
                        )
                        .label("must be at least 1"),
                    );
                    return None;
                }
            }
            match (kind, count) {
                (Field::Given(kind), Field::Given(count)) => Some(RawGpu { kind, count }),
                _ => None,
            }
        });
        RawPool {
            name: Spanned::new(header, name.get_ref().to_string()),
            class,
            size: self.count(t, "size"),
            autoscale,
            gpu,
            replace,
            spot: self.boolean(t, "spot"),
            protect: self.boolean(t, "protect"),
            shared: self.shared(t, &format!("pools.{}", name.get_ref())),
            misspelt,
        }
    }

    /// `table` is where `t` stands (`defaults`, `pools.NAME`), for messages.
    fn shared(&mut self, t: &DeTable<'_>, table: &str) -> RawShared {
        RawShared {
            machine_type: self.string(t, "machine_type"),
            labels: self.string_map(t, "labels"),
            taints: self.strings(t, "taints"),
            disk_gb: self.count(t, "disk_gb"),
            zones: self.strings(t, "zones"),
            extras: [ProviderKind::Gke, ProviderKind::Aks, ProviderKind::Eks]
                .into_iter()
                .filter_map(|provider| self.extras(t, provider, table, None))
                .collect(),
        }
    }

    /// Reads a provider-settings table. Which keys a cloud takes comes from its capability
    /// table (only what poolctl can create, read back and change); the checks of each
    /// value against the cloud come later.
    ///
    /// `only` narrows the keys (`[cluster.eks]` takes only what every node group shares).
    fn extras(
        &mut self,
        t: &DeTable<'_>,
        provider: ProviderKind,
        table: &str,
        only: Option<&[PoolField]>,
    ) -> Option<RawExtras> {
        let (key, item) = t.get_key_value(provider.as_str())?;
        let sub = self.table(item, provider.as_str())?;
        if self.provider.is_some_and(|p| p != provider) {
            // The whole table is in the wrong blueprint; validation says so once.
            return Some(RawExtras {
                provider,
                span: key.span(),
                values: BTreeMap::new(),
            });
        }
        let fields: Vec<PoolField> = poolctl_provider::capability_table(provider.as_str())
            .map(|t| t.extras().collect())
            .unwrap_or_default();
        let fields: Vec<PoolField> = fields
            .into_iter()
            .filter(|f| only.is_none_or(|only| only.contains(f)))
            .collect();
        let supported: Vec<&'static str> = fields.iter().map(|f| f.blueprint_key()).collect();
        // The launch template's three fields are written as one table.
        let mut known: Vec<&'static str> = supported
            .iter()
            .copied()
            .filter(|k| !k.starts_with(LAUNCH_TEMPLATE))
            .collect();
        if fields.contains(&PoolField::LaunchTemplateId) {
            known.push(LAUNCH_TEMPLATE);
        }
        let place = format!("in [{table}.{}]", provider.as_str());
        let mut values = BTreeMap::new();
        for (name, _) in sub.iter() {
            let word: &str = name.get_ref();
            if word == LAUNCH_TEMPLATE && known.contains(&LAUNCH_TEMPLATE) {
                self.launch_template(sub, name.span(), &mut values);
                continue;
            }
            let field = PoolField::extra_from_key(word)
                .filter(|f| known.contains(&f.blueprint_key()) && supported.contains(&word));
            let Some(field) = field else {
                let help = if supported.is_empty() {
                    Some(format!(
                        "this version of poolctl takes no {} pool settings yet: remove this key",
                        provider.display_name()
                    ))
                } else {
                    None
                };
                let help = help.or_else(|| {
                    only.is_some()
                        .then(|| PoolField::extra_from_key(word))
                        .flatten()
                        .filter(|f| f.is_extra())
                        .map(|_| {
                            format!(
                                "[{table}.{}] takes only {}: write `{word}` in [pools.NAME.{}] or [defaults.{}]",
                                provider.as_str(),
                                supported.join(" and "),
                                provider.as_str(),
                                provider.as_str()
                            )
                        })
                });
                self.unknown_key(name, &known, &place, help);
                continue;
            };
            let read = match field.extra_kind() {
                Some(ExtraKind::Text) => self.string(sub, word).map(|s| Some(ExtraValue::Text(s))),
                Some(ExtraKind::Count) => self.count(sub, word).map(|n| Some(ExtraValue::Count(n))),
                Some(ExtraKind::Set | ExtraKind::List) => self.strings(sub, word).map(|list| {
                    Some(ExtraValue::List(
                        list.into_iter().map(Spanned::into_inner).collect(),
                    ))
                }),
                None => continue,
            };
            if let Field::Given(read) = read {
                values.insert(field, (name.span(), read));
            }
        }
        Some(RawExtras {
            provider,
            span: key.span(),
            values,
        })
    }

    /// `launch_template = { id = "lt-..." | name = "...", version = "N" }`: one of id and
    /// name (EKS takes either), and optionally the version.
    fn launch_template(
        &mut self,
        t: &DeTable<'_>,
        key_span: Range<usize>,
        values: &mut BTreeMap<PoolField, (Range<usize>, Spanned<ExtraValue>)>,
    ) {
        let Some(item) = t.get(LAUNCH_TEMPLATE) else {
            return;
        };
        let help = "write `launch_template = { id = \"lt-0123456789abcdef0\", version = \"1\" }`, \
                    or `{ name = \"...\", version = \"1\" }`";
        if self.table_with_help(item, LAUNCH_TEMPLATE, help).is_none() {
            return;
        }
        let _ = self.sub_table(t, LAUNCH_TEMPLATE, |r, sub, span| {
            r.unknown_keys(sub, &["id", "name", "version"], "in `launch_template`", |_| false);
            let id = r.string(sub, "id");
            let name = r.string(sub, "name");
            match (&id, &name) {
                (Field::Given(id), Field::Given(name)) => r.issues.push(
                    Issue::new(
                        ErrorKind::InvalidValue,
                        name.span(),
                        "a launch template is named by its `id` or its `name`, not both",
                    )
                    .label("second way to name it")
                    .also(id.span(), "the id")
                    .help("keep `id = \"lt-...\"` or `name = \"...\"`"),
                ),
                (Field::Absent, Field::Absent) => r.missing(
                    span.clone(),
                    "id",
                    "`launch_template`",
                    "name the template: `launch_template = { id = \"lt-0123456789abcdef0\", version = \"1\" }` or `{ name = \"gpu-nodes\", version = \"1\" }`",
                ),
                _ => {}
            }
            for (field, read) in [
                (PoolField::LaunchTemplateId, id),
                (PoolField::LaunchTemplateName, name),
                (PoolField::LaunchTemplateVersion, r.string(sub, "version")),
            ] {
                if let Field::Given(text) = read {
                    let span = text.span();
                    values.insert(
                        field,
                        (
                            key_span.clone(),
                            Spanned::new(span, ExtraValue::Text(text.into_inner())),
                        ),
                    );
                }
            }
            Some(())
        });
    }
}

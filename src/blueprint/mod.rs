//! Blueprints: the TOML file a platform team writes, loaded with source spans,
//! validated against the chosen cloud's rules, and turned into desired pool specs.

mod classes;
mod errors;
mod kube_syntax;
mod labels_taints;
mod limits;
mod load;
mod scaling;
mod suggest;
#[cfg(test)]
mod tests;
mod typed;
mod validate;

pub use errors::{BlueprintDiagnostic, ErrorKind};

use errors::{Issue, Issues};
use miette::{NamedSource, SourceSpan};
use poolctl_provider::PoolSpec;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Which cloud a blueprint's cluster lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Gke,
    Aks,
    Eks,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Gke => "gke",
            ProviderKind::Aks => "aks",
            ProviderKind::Eks => "eks",
        }
    }

    /// The name people write in prose ("GKE").
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Gke => "GKE",
            ProviderKind::Aks => "AKS",
            ProviderKind::Eks => "EKS",
        }
    }
}

/// The role a pool plays; each class brings defaults and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolClass {
    Core,
    Workload,
    Gpu,
    Spot,
}

/// The `[cluster]` table.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub provider: ProviderKind,
    pub name: String,
    pub project: Option<String>,
    pub location: Option<String>,
    pub endpoint: Option<String>,
    /// Run against the built-in emulator instead of the cloud.
    pub emulator: bool,
    /// The `[cluster]` header, for diagnostics.
    pub span: SourceSpan,
}

/// Where a pool's settings stand in the blueprint, for diagnostics raised after loading.
#[derive(Debug, Clone)]
pub struct PoolSpans {
    /// The pool's table key (`highmem` in `[pools.highmem]`).
    pub header: SourceSpan,
    pub size: Option<SourceSpan>,
    pub autoscale: Option<SourceSpan>,
    /// The `zones` list the pool uses, in the pool or in `[defaults]`.
    pub zones: Option<SourceSpan>,
}

/// A provider-specific setting from `[pools.NAME.<provider>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraValue {
    Text(String),
    Count(u32),
    List(Vec<String>),
}

impl fmt::Display for ExtraValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtraValue::Text(text) => f.write_str(text),
            ExtraValue::Count(n) => write!(f, "{n}"),
            ExtraValue::List(items) => f.write_str(&items.join(",")),
        }
    }
}

/// One `[pools.NAME]` table, with `[defaults]` merged and class defaults applied.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The logical name: the key under `[pools]`.
    pub name: String,
    pub class: PoolClass,
    /// The desired pool; `tags` is left empty (ownership tags are the planner's job).
    pub spec: PoolSpec,
    pub spans: PoolSpans,
    /// How the pool is replaced when a change cannot be made in place.
    pub replace: ReplaceStrategy,
    /// The settings of the `[pools.NAME.<provider>]` table for the cluster's provider
    /// (gke: image_type, service_account; aks: os_sku, max_pods; eks: subnets, node_role,
    /// ami_type). Checked, but not planned yet.
    pub extras: BTreeMap<String, ExtraValue>,
}

/// How a pool is replaced when the cloud cannot change it in place (`replace = "..."`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplaceStrategy {
    /// The new pool (under a derived name) is ready before the old one is deleted, so
    /// workloads always have somewhere to run.
    #[default]
    CreateBeforeDestroy,
    /// The old pool goes first: for pools bound by quota, where two cannot exist at once.
    DeleteFirst,
}

/// A loaded, valid blueprint.
#[derive(Debug, Clone)]
pub struct Blueprint {
    pub source: NamedSource<String>,
    pub cluster: ClusterConfig,
    /// Sorted by logical name.
    pub pools: Vec<PoolConfig>,
}

impl Blueprint {
    /// Checks the GKE pools that name no `zones` against the zones the cluster spreads
    /// them over, as read from the cloud: GKE applies counts per zone, so a static size
    /// must divide by them and each zone holds at most 1000 nodes of a pool. Other clouds
    /// count totals, so for them this always passes.
    pub fn check_cluster_zones(&self, cluster_zones: &[String]) -> Result<(), BlueprintError> {
        if self.cluster.provider != ProviderKind::Gke {
            return Ok(());
        }
        let spread = scaling::ZoneSpread {
            count: cluster_zones.len(),
            span: None,
            from_cluster: true,
        };
        let mut issues = Issues::default();
        for pool in self.pools.iter().filter(|p| p.spec.zones.is_empty()) {
            let span = pool
                .spans
                .size
                .or(pool.spans.autoscale)
                .unwrap_or(pool.spans.header);
            let span = span.offset()..span.offset() + span.len();
            scaling::check_zone_spread(pool.spec.scaling, &span, &spread, &mut issues);
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(invalid(self.source.name(), &self.source, issues))
        }
    }
}

/// Why a blueprint could not be loaded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BlueprintError {
    #[error("cannot read blueprint {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Every problem found in the file, in file order, each with its span.
    #[error("{name} has {}", count_errors(.errors.len()))]
    Invalid {
        name: String,
        #[related]
        errors: Vec<BlueprintDiagnostic>,
    },
}

impl BlueprintError {
    /// The individual problems (empty for an I/O error).
    pub fn diagnostics(&self) -> &[BlueprintDiagnostic] {
        match self {
            BlueprintError::Io { .. } => &[],
            BlueprintError::Invalid { errors, .. } => errors,
        }
    }
}

fn count_errors(n: usize) -> String {
    if n == 1 {
        "1 error".to_string()
    } else {
        format!("{n} errors")
    }
}

/// Reads, parses and validates the blueprint at `path`.
pub fn load(path: &Path) -> Result<Blueprint, BlueprintError> {
    let text = std::fs::read_to_string(path).map_err(|source| BlueprintError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&path.display().to_string(), &text)
}

/// Parses and validates blueprint text; `name` is how diagnostics refer to it.
pub fn parse(name: &str, text: &str) -> Result<Blueprint, BlueprintError> {
    let source = NamedSource::new(name, text.to_string()).with_language("toml");
    let mut issues = Issues::default();
    let (doc, syntax_errors) = toml::de::DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        // A damaged document would only add follow-on errors: report the syntax alone.
        for error in syntax_errors {
            issues.push(
                Issue::new(
                    ErrorKind::Syntax,
                    error.span().unwrap_or(0..0),
                    format!("invalid TOML: {}", error.message().trim()),
                )
                .label("here"),
            );
        }
        return Err(invalid(name, &source, issues));
    }
    let raw = load::read(doc.get_ref(), &mut issues);
    let checked = validate::check(raw, &mut issues);
    match checked {
        Some((cluster, pools)) if issues.is_empty() => Ok(Blueprint {
            source,
            cluster,
            pools,
        }),
        _ => Err(invalid(name, &source, issues)),
    }
}

fn invalid(name: &str, source: &NamedSource<String>, issues: Issues) -> BlueprintError {
    BlueprintError::Invalid {
        name: name.to_string(),
        errors: issues
            .into_sorted()
            .into_iter()
            .map(|issue| issue.into_diagnostic(source))
            .collect(),
    }
}

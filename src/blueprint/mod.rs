//! Blueprints: the TOML file a platform team writes, loaded with source spans,
//! validated against the chosen cloud's rules, and turned into desired pool specs.

mod aks_pools;
mod classes;
mod eks_pools;
mod errors;
mod extras;
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

    /// The name with its article as it is said: "a GKE", "an AKS", "an EKS".
    pub fn with_article(self) -> &'static str {
        match self {
            ProviderKind::Gke => "a GKE",
            ProviderKind::Aks => "an AKS",
            ProviderKind::Eks => "an EKS",
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
    /// The `provider = "..."` value, for diagnostics.
    pub provider_span: SourceSpan,
    pub name: String,
    /// GKE: the project.
    pub project: Option<String>,
    /// AKS: the subscription id.
    pub subscription: Option<String>,
    /// AKS: the resource group of the managed cluster.
    pub resource_group: Option<String>,
    /// GKE: the region or zone (required). AKS: checked against the cluster's, when given.
    pub location: Option<String>,
    /// The `location = "..."` value, for diagnostics.
    pub location_span: Option<SourceSpan>,
    pub endpoint: Option<String>,
    /// GKE: the Compute API's base URL (static pools' instance groups are read there).
    pub compute_endpoint: Option<String>,
    /// Run against the built-in emulator instead of the cloud.
    pub emulator: bool,
    /// How many pool operations apply runs at once on this cluster; `None`: the cloud's
    /// default. Checked against the cloud's own limit.
    pub parallel_operations: Option<u32>,
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
    /// `protect = ...`, when written.
    pub protect: Option<SourceSpan>,
}

/// One `[pools.NAME]` table, with `[defaults]` merged and class defaults applied.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The logical name: the key under `[pools]`.
    pub name: String,
    pub class: PoolClass,
    /// The desired pool; `tags` is left empty (ownership tags are the planner's job).
    /// Its `extras` hold the `[pools.NAME.<provider>]` settings (over `[defaults.<provider>]`).
    pub spec: PoolSpec,
    pub spans: PoolSpans,
    /// How the pool is replaced when a change cannot be made in place.
    pub replace: ReplaceStrategy,
    /// `protect = true`: poolctl never deletes or replaces the pool.
    pub protect: bool,
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

impl Blueprint {
    /// Checks that a later step (`plan`) makes against the live cluster, which `validate`
    /// cannot make alone: one advice each, at the pool's size.
    pub fn checks_left_to_plan(&self) -> Vec<BlueprintDiagnostic> {
        if self.cluster.provider != ProviderKind::Gke {
            return Vec::new();
        }
        let regional = self
            .cluster
            .location
            .as_deref()
            .is_some_and(|l| !limits::gke_location_is_zone(l));
        if !regional {
            return Vec::new();
        }
        self.pools
            .iter()
            .filter(|p| p.spec.zones.is_empty())
            .filter_map(|p| match p.spec.scaling {
                poolctl_provider::Scaling::Fixed { nodes } => {
                    let span = p.spans.size.unwrap_or(p.spans.header);
                    let issue = Issue::new(
                        ErrorKind::CheckedByPlan,
                        span.offset()..span.offset() + span.len(),
                        format!(
                            "pool {}: `size = {nodes}` is checked against the cluster's zones \
                             by `poolctl plan`",
                            p.name
                        ),
                    )
                    .label("checked by plan")
                    .help(
                        "GKE sizes a static pool per zone, and the zones of a regional \
                         cluster are read from the cloud; list the pool's `zones` to check \
                         it here",
                    );
                    Some(issue.into_diagnostic(&self.source))
                }
                poolctl_provider::Scaling::Autoscale { .. } => None,
            })
            .collect()
    }

    /// The error for pools that a plan would replace or delete although the blueprint
    /// protects them: one diagnostic each, at its `protect = true`.
    pub fn protected_pool_errors<'a>(
        &self,
        pools: impl IntoIterator<Item = (&'a PoolConfig, &'a str)>,
    ) -> BlueprintError {
        let mut issues = Issues::default();
        for (pool, message) in pools {
            let span = pool.spans.protect.unwrap_or(pool.spans.header);
            issues.push(
                Issue::new(
                    ErrorKind::Protected,
                    span.offset()..span.offset() + span.len(),
                    message,
                )
                .label("protect = true")
                .help(
                    "nothing was planned. Revert the change, or set `protect = false` to let \
                     poolctl replace the pool",
                ),
            );
        }
        invalid(self.source.name(), &self.source, issues)
    }

    /// Checks the blueprint's `location`, when it states one, against where the cloud says
    /// the cluster runs (AKS reads it from the managed cluster). ARM writes locations in
    /// lower case without spaces (`westeurope`), the portal as `West Europe`: both match.
    pub fn check_cluster_location(&self, live: Option<&str>) -> Result<(), BlueprintError> {
        let (Some(live), Some(written)) = (live, self.cluster.location.as_deref()) else {
            return Ok(());
        };
        let plain = |l: &str| l.replace(' ', "").to_ascii_lowercase();
        if plain(live) == plain(written) {
            return Ok(());
        }
        let span = self.cluster.location_span.unwrap_or(self.cluster.span);
        let mut issues = Issues::default();
        issues.push(
            Issue::new(
                ErrorKind::InvalidValue,
                span.offset()..span.offset() + span.len(),
                format!(
                    "the cluster {} runs in `{live}`, not in `{written}`",
                    self.cluster.name
                ),
            )
            .label("not the cluster's location")
            .help(format!(
                "nothing was planned. Write `location = \"{live}\"`, or leave `location` out: \
                 poolctl reads it from the cluster"
            )),
        );
        Err(invalid(self.source.name(), &self.source, issues))
    }

    /// The error for a blueprint whose cloud this build of poolctl cannot talk to yet,
    /// pointing at its `provider`.
    pub fn provider_unavailable(&self, available: &[&str]) -> BlueprintError {
        let span = self.cluster.provider_span;
        let mut issues = Issues::default();
        issues.push(
            Issue::new(
                ErrorKind::NotSupportedYet,
                span.offset()..span.offset() + span.len(),
                format!(
                    "this version of poolctl cannot plan or apply {} clusters yet",
                    self.cluster.provider.display_name()
                ),
            )
            .label("no provider for this cloud yet")
            .help(format!(
                "this version speaks to: {}; the blueprint itself follows the {} rules",
                available.join(", "),
                self.cluster.provider.display_name()
            )),
        );
        invalid(self.source.name(), &self.source, issues)
    }
}

/// Why a blueprint could not be loaded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BlueprintError {
    #[error("cannot read blueprint {path}")]
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

//! Blueprints: the TOML file a platform team writes, loaded with source spans,
//! validated against the chosen cloud's rules, and turned into desired pool specs.
//!
//! (API skeleton: the loader and validator fill this in.)

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
    pub zones: Option<SourceSpan>,
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
}

/// A loaded, valid blueprint.
#[derive(Debug, Clone)]
pub struct Blueprint {
    pub source: NamedSource<String>,
    pub cluster: ClusterConfig,
    /// Sorted by logical name.
    pub pools: Vec<PoolConfig>,
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
pub fn parse(_name: &str, _text: &str) -> Result<Blueprint, BlueprintError> {
    unimplemented!("blueprint parsing is being written")
}

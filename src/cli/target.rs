//! From a blueprint's `[cluster]` table to a connected provider: endpoint overrides,
//! the embedded emulator, and the provider registry.

use crate::blueprint::{Blueprint, ProviderKind};
use poolctl_emulator::{EmulatorConfig, RunningEmulator};
use poolctl_provider::{ClusterTarget, Provider, ProviderError};
use std::path::Path;
use std::time::Duration;

/// A provider for the blueprint's cluster, and the emulator it talks to when embedded
/// (kept alive as long as the provider is used).
pub struct Connection {
    pub provider: Box<dyn Provider>,
    /// Held only to keep the embedded emulator serving while the provider is in use.
    _emulator: Option<RunningEmulator>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnectError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("cannot start the embedded emulator: {0}")]
    #[diagnostic(help("the emulator keeps its state under .poolctl/ next to the blueprint; check that the folder is writable"))]
    Emulator(String),
    #[error("the {0} provider is not available in this version of poolctl")]
    #[diagnostic(help("this version supports provider = \"gke\""))]
    Unsupported(&'static str),
}

/// Connects to the blueprint's cluster. With `emulator` (or `[cluster] emulator = true`)
/// an emulator is started in-process on a loopback port, with state under `.poolctl/`
/// next to the blueprint, so the same provider code runs without a cloud account.
pub async fn connect(
    blueprint: &Blueprint,
    path: &Path,
    emulator: bool,
) -> Result<Connection, ConnectError> {
    let cluster = &blueprint.cluster;
    let env_name = format!(
        "POOLCTL_{}_ENDPOINT",
        cluster.provider.as_str().to_uppercase()
    );
    let mut target = ClusterTarget {
        provider: cluster.provider.as_str().to_string(),
        name: cluster.name.clone(),
        project: cluster.project.clone(),
        location: cluster.location.clone(),
        // The environment wins over the file so that CI can point any blueprint at a
        // private endpoint or an emulator without editing it.
        endpoint: std::env::var(&env_name)
            .ok()
            .filter(|e| !e.is_empty())
            .or_else(|| cluster.endpoint.clone()),
    };
    let mut running = None;
    if emulator || cluster.emulator {
        let state_dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .unwrap_or(Path::new("."))
            .join(".poolctl")
            .join("emulator");
        let operation_ms = std::env::var("POOLCTL_EMULATOR_OPERATION_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(500);
        let config = EmulatorConfig {
            state_dir: Some(state_dir),
            operation_duration: Duration::from_millis(operation_ms),
            auto_create_clusters: true,
            ..EmulatorConfig::default()
        };
        let emu = poolctl_emulator::start_loopback(config)
            .await
            .map_err(|e| ConnectError::Emulator(e.to_string()))?;
        target.endpoint = Some(emu.endpoint());
        running = Some(emu);
    }
    let provider: Box<dyn Provider> = match cluster.provider {
        ProviderKind::Gke => Box::new(poolctl_gke::GkeProvider::new(&target)?),
        ProviderKind::Aks => return Err(ConnectError::Unsupported("aks")),
        ProviderKind::Eks => return Err(ConnectError::Unsupported("eks")),
    };
    Ok(Connection {
        provider,
        _emulator: running,
    })
}

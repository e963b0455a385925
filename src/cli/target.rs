//! From a blueprint's `[cluster]` table to a connected provider: endpoint overrides,
//! the embedded emulator, and the provider registry.

use crate::blueprint::{Blueprint, ProviderKind};
use poolctl_emulator::{EmulatorConfig, RunningEmulator};
use poolctl_provider::{ClusterTarget, Provider, ProviderError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnectError {
    #[error("{error}")]
    Provider {
        error: ProviderError,
        /// What the user can do about it (credentials, region, endpoint).
        #[help]
        help: Option<String>,
    },
    #[error("cannot start the embedded emulator: {0}")]
    #[diagnostic(help(
        "the emulator keeps its state in .poolctl/emulator under the current folder (or in \
         POOLCTL_EMULATOR_STATE); check that it is writable"
    ))]
    Emulator(String),
}

impl From<ProviderError> for ConnectError {
    fn from(source: ProviderError) -> Self {
        ConnectError::Provider {
            help: source.help(),
            error: source,
        }
    }
}

/// The clouds this build of poolctl can talk to, as written in blueprints.
pub const AVAILABLE: &[&str] = &["gke", "aks", "eks"];

/// Refuses, at its `provider` line, a blueprint whose cloud this build has no provider
/// for: it may be a valid blueprint, but `plan` and `apply` could do nothing with it.
pub fn check_available(blueprint: &Blueprint) -> Result<(), crate::blueprint::BlueprintError> {
    if AVAILABLE.contains(&blueprint.cluster.provider.as_str()) {
        Ok(())
    } else {
        Err(blueprint.provider_unavailable(AVAILABLE))
    }
}

/// Where the embedded emulator keeps the emulated cloud: `POOLCTL_EMULATOR_STATE`, or
/// `.poolctl/emulator` under the current folder, as Terraform keeps `.terraform/` where it
/// runs. Every blueprint applied from one folder meets the same emulated cloud.
pub fn emulator_state_dir() -> PathBuf {
    match std::env::var_os("POOLCTL_EMULATOR_STATE").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(".poolctl").join("emulator"),
    }
}

/// The embedded emulators of one poolctl run, one per state folder, so that the blueprints
/// of a fleet meet one emulated cloud.
#[derive(Default)]
pub struct Emulators {
    running: tokio::sync::Mutex<HashMap<PathBuf, RunningEmulator>>,
}

impl Emulators {
    async fn endpoint_for(&self, state_dir: PathBuf) -> Result<String, ConnectError> {
        let mut running = self.running.lock().await;
        if let Some(emu) = running.get(&state_dir) {
            return Ok(emu.endpoint());
        }
        let operation_ms = std::env::var("POOLCTL_EMULATOR_OPERATION_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(500);
        // Tests pace operations by polls, so that no outcome depends on the machine's speed.
        let operation_polls = std::env::var("POOLCTL_EMULATOR_OPERATION_POLLS")
            .ok()
            .and_then(|v| v.parse().ok());
        let config = EmulatorConfig {
            state_dir: Some(state_dir.clone()),
            operation_duration: Duration::from_millis(operation_ms),
            operation_polls,
            auto_create_clusters: true,
            ..EmulatorConfig::default()
        };
        let emu = poolctl_emulator::start_loopback(config)
            .await
            .map_err(|e| ConnectError::Emulator(e.to_string()))?;
        let endpoint = emu.endpoint();
        running.insert(state_dir, emu);
        Ok(endpoint)
    }
}

/// Whether this run talks to the embedded emulator for this blueprint.
pub fn uses_emulator(blueprint: &Blueprint, flag: bool) -> bool {
    flag || blueprint.cluster.emulator
}

/// Connects to the blueprint's cluster. With the embedded emulator (the `--emulator`
/// flag or `[cluster] emulator = true`) the emulator runs in-process on a loopback port,
/// with its state in [`emulator_state_dir`], so the same provider code runs without a
/// cloud account.
pub async fn connect(
    blueprint: &Blueprint,
    emulator: bool,
    emulators: &Emulators,
) -> Result<Box<dyn Provider>, ConnectError> {
    let cluster = &blueprint.cluster;
    let env_name = format!(
        "POOLCTL_{}_ENDPOINT",
        cluster.provider.as_str().to_uppercase()
    );
    let mut target = ClusterTarget {
        provider: cluster.provider.as_str().to_string(),
        name: cluster.name.clone(),
        project: cluster
            .project
            .clone()
            .or_else(|| cluster.subscription.clone()),
        resource_group: cluster.resource_group.clone(),
        location: cluster.location.clone(),
        // The environment wins over the file so that CI can point any blueprint at a
        // private endpoint or an emulator without editing it.
        endpoint: std::env::var(&env_name)
            .ok()
            .filter(|e| !e.is_empty())
            .or_else(|| cluster.endpoint.clone()),
        compute_endpoint: std::env::var("POOLCTL_GKE_COMPUTE_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
            .or_else(|| cluster.compute_endpoint.clone()),
    };
    if uses_emulator(blueprint, emulator) {
        let state_dir = emulator_state_dir();
        let state_dir = std::path::absolute(&state_dir).unwrap_or(state_dir);
        let endpoint = emulators.endpoint_for(state_dir).await?;
        // The emulator serves the Compute reads too.
        target.compute_endpoint = Some(endpoint.clone());
        target.endpoint = Some(endpoint);
    }
    match cluster.provider {
        ProviderKind::Gke => Ok(Box::new(poolctl_gke::GkeProvider::new(&target)?)),
        ProviderKind::Aks => Ok(Box::new(poolctl_aks::AksProvider::new(&target)?)),
        ProviderKind::Eks => Ok(Box::new(poolctl_eks::EksProvider::connect(&target).await?)),
    }
}

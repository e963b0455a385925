//! `poolctl emulator`: serve the emulated node-pool APIs on a local port until Ctrl-C.

use super::exit;
use super::output::{errln, outln};
use poolctl_emulator::EmulatorConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Folder where the emulator keeps its state between runs.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// How long each long-running operation stays RUNNING.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub operation_ms: u64,
    /// End each operation after this many status polls instead (reads of the operation
    /// or its pool), whatever the time: deterministic runs for tests.
    #[arg(long, value_name = "N", conflicts_with = "operation_ms")]
    pub operation_polls: Option<u32>,
    /// Extra latency added to every API answer.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Create an unknown cluster on first use instead of answering 404.
    #[arg(long)]
    pub auto_create_clusters: bool,
}

pub async fn run(args: EmulatorArgs) -> u8 {
    let config = EmulatorConfig {
        state_dir: args.state.clone(),
        operation_duration: Duration::from_millis(args.operation_ms),
        operation_polls: args.operation_polls,
        auto_create_clusters: args.auto_create_clusters,
        latency: Duration::from_millis(args.latency_ms),
        ..EmulatorConfig::default()
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            errln!("error: cannot listen on {}: {e}", args.listen);
            return exit::ERROR;
        }
    };
    let emulator = match poolctl_emulator::start(listener, config).await {
        Ok(emu) => emu,
        Err(e) => {
            errln!("error: cannot start the emulator: {e}");
            return exit::ERROR;
        }
    };
    outln!(
        "poolctl emulator listening on {} (state: {})",
        emulator.endpoint(),
        args.state
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "in memory".into())
    );
    let _ = tokio::signal::ctrl_c().await;
    outln!("poolctl emulator stopped");
    exit::OK
}

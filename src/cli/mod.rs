//! The command line: argument parsing (clap) and one module per subcommand. Each command
//! returns an exit code; errors are rendered as diagnostics here, at the edge.

mod apply;
mod emulator;
mod inputs;
mod output;
mod plan;
mod target;
mod unlock;
mod validate;

use output::errln;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "poolctl",
    version,
    about = "Declarative Kubernetes node pools: plan and apply from a TOML blueprint (GKE, AKS, EKS)",
    long_about = "poolctl keeps a cluster's node pools in line with a TOML blueprint: \
                  `plan` shows what would change, `apply` makes it so. This version speaks \
                  to GKE, AKS and EKS."
)]
pub struct Cli {
    /// Log what poolctl does: -v one line per cloud API call, -vv with request and
    /// response bodies (tokens redacted).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check blueprints without talking to any cloud.
    Validate(validate::ValidateArgs),
    /// Show what apply would change.
    Plan(plan::PlanArgs),
    /// Make the node pools match the blueprint.
    Apply(apply::ApplyArgs),
    /// Delete every node pool poolctl manages in each blueprint's cluster (never pools
    /// it did not create, never protected ones), after showing the plan.
    Destroy(apply::ApplyArgs),
    /// Run the local emulator of the GKE, AKS and EKS node-pool APIs (for tests, demos and CI).
    Emulator(emulator::EmulatorArgs),
    /// Show the cluster lock of a blueprint's cluster and break it (expired records; live
    /// ones with --force).
    Unlock(unlock::UnlockArgs),
}

/// Exit codes shared by every command.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    /// `plan --detailed-exitcode` with changes to make.
    pub const CHANGES: u8 = 2;
    /// `apply SAVED_PLAN` refused: the blueprint or the live pools changed since the plan.
    pub const STALE_PLAN: u8 = 3;
    /// `apply` stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: u8 = 130;
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    install_diagnostics_hook();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Validate(args) => validate::run(args),
            Command::Plan(args) => plan::run(args).await,
            Command::Apply(args) => apply::run(args, apply::Mode::Apply).await,
            Command::Destroy(args) => apply::run(args, apply::Mode::Destroy).await,
            Command::Emulator(args) => emulator::run(args).await,
            Command::Unlock(args) => unlock::run(args).await,
        }
    });
    ExitCode::from(code)
}

/// Prints any error as a diagnostic: file, line and column with the source line and a
/// caret where there is a span; colour only on a terminal.
pub(crate) fn report(err: impl miette::Diagnostic + Send + Sync + 'static) {
    errln!("{:?}", miette::Report::new(err));
}

fn install_diagnostics_hook() {
    let color = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .context_lines(1)
                // CI logs and test assertions want one error per line, not wrapped text.
                .wrap_lines(color)
                .build(),
        )
    }));
}

fn init_logging(verbose: u8) {
    // poolctl's own crates only: the HTTP stack's connection chatter never helps a user,
    // and the embedded emulator is the cloud, not poolctl (POOLCTL_LOG shows either).
    let level = match verbose {
        // Other crates' warnings (the AWS SDK's, about each credential source it tried)
        // would repeat what poolctl's own error says better.
        0 => "error,poolctl=warn,poolctl_gke=warn,poolctl_aks=warn,poolctl_eks=warn",
        1 => "error,poolctl=info,poolctl_gke=info,poolctl_aks=info,poolctl_eks=info,poolctl_emulator=warn",
        _ => "warn,poolctl=debug,poolctl_gke=debug,poolctl_aks=debug,poolctl_eks=debug,poolctl_emulator=warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("POOLCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    // Warnings alone (retries) read better without timestamps; -v logs keep them.
    let _ = if verbose == 0 {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
}

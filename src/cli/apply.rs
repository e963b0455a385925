//! `poolctl apply`: plan, ask for confirmation, execute, and summarize.

use super::exit;
use super::plan::{load_and_plan, stdout_style};
use crate::apply::{apply_plan, Display, Outcome};
use crate::plan::Action;
use crate::render;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The blueprint file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Skip the confirmation prompt.
    #[arg(long)]
    pub auto_approve: bool,
    /// Apply against the built-in emulator instead of the cloud.
    #[arg(long)]
    pub emulator: bool,
}

pub async fn run(args: ApplyArgs) -> u8 {
    let Some((_blueprint, plan, conn)) = load_and_plan(&args.file, args.emulator).await else {
        return exit::ERROR;
    };
    print!("{}", render::human(&plan, stdout_style()));
    if !plan.has_changes() {
        return exit::OK;
    }
    if !args.auto_approve && !confirm(&plan.cluster).await {
        println!("\nApply cancelled: nothing was changed.");
        return exit::ERROR;
    }
    println!();
    let display = Display::for_terminal(std::io::stdout().is_terminal());
    let report = apply_plan(&plan, conn.provider.as_ref(), &display).await;
    drop(display);
    println!();
    for step in &report.steps {
        match &step.outcome {
            Outcome::Done => {}
            Outcome::Failed(why) => println!("  failed  {}: {why}", step.pool),
            Outcome::Skipped(why) => println!("  skipped {}: {why}", step.pool),
        }
    }
    let verdict = if report.failed() == 0 && report.skipped() == 0 {
        "Apply complete!"
    } else {
        "Apply incomplete."
    };
    println!(
        "{verdict} Pools: {} created, {} updated, {} replaced, {} deleted, {} failed, {} skipped, in {:.1}s.",
        report.count(Action::Create),
        report.count(Action::Update),
        report.count(Action::Replace),
        report.count(Action::Delete),
        report.failed(),
        report.skipped(),
        report.wall_time().as_secs_f64(),
    );
    if report.failed() > 0 {
        exit::ERROR
    } else {
        exit::OK
    }
}

async fn confirm(cluster: &str) -> bool {
    print!(
        "\nDo you want to perform these actions on cluster {cluster}?\n  \
         Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        match std::io::stdin().lock().read_line(&mut answer) {
            Ok(_) => answer.trim() == "yes",
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

//! `poolctl apply`: plan (or read a saved plan and check it is still true), ask for
//! confirmation, execute, and summarize.

use super::plan::{plan_one, stdout_style};
use super::target::{self, Emulators};
use super::{exit, report};
use crate::apply::{apply_plan, ApplyReport, Display, Outcome};
use crate::blueprint;
use crate::plan::{Action, Plan, SavedPlan, SAVED_PLAN_KIND};
use crate::render;
use poolctl_provider::Provider;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// A plan saved with `poolctl plan -o FILE`: applied as it is, without a prompt,
    /// if nothing it was made from has changed since.
    #[arg(value_name = "SAVED_PLAN", conflicts_with = "file")]
    pub saved: Option<PathBuf>,
    /// The blueprint file: plan it now and apply that.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        required_unless_present = "saved"
    )]
    pub file: Option<PathBuf>,
    /// Skip the confirmation prompt.
    #[arg(long)]
    pub auto_approve: bool,
    /// Apply against the built-in emulator instead of the cloud.
    #[arg(long)]
    pub emulator: bool,
}

pub async fn run(args: ApplyArgs) -> u8 {
    let emulators = Emulators::default();
    if let Some(saved) = &args.saved {
        return apply_saved(saved, &emulators).await;
    }
    let Some(file) = &args.file else {
        eprintln!("error: pass a blueprint with -f FILE, or a saved plan");
        return exit::ERROR;
    };
    let Ok(cluster) = plan_one(file, args.emulator, &emulators).await else {
        return exit::ERROR;
    };
    let plan = &cluster.planned.plan;
    print!("{}", render::human(plan, stdout_style()));
    if !plan.has_changes() {
        return exit::OK;
    }
    if !args.auto_approve && !confirm(&plan.cluster).await {
        println!("\nApply cancelled: nothing was changed.");
        return exit::ERROR;
    }
    execute(plan, cluster.provider.as_ref()).await
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum SavedPlanError {
    #[error("cannot read saved plan {path}: {message}")]
    #[diagnostic(help("a saved plan is written by `poolctl plan -f BLUEPRINT -o FILE`"))]
    Unreadable { path: String, message: String },
    #[error("the saved plan {path} is stale: {}", .reasons.join("; "))]
    #[diagnostic(
        code(poolctl::apply::stale_plan),
        help("nothing was changed. Run `poolctl plan -o {path}` again, review it, and apply the new plan")
    )]
    Stale { path: String, reasons: Vec<String> },
}

async fn apply_saved(path: &Path, emulators: &Emulators) -> u8 {
    let shown = path.display().to_string();
    let unreadable = |message: String| SavedPlanError::Unreadable {
        path: shown.clone(),
        message,
    };
    let saved: SavedPlan = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(saved) => saved,
        Err(message) => {
            report(unreadable(message));
            return exit::ERROR;
        }
    };
    if saved.kind != SAVED_PLAN_KIND || saved.format_version != 1 {
        report(unreadable(format!(
            "not a poolctl saved plan of format 1 (kind {:?}, format {})",
            saved.kind, saved.format_version
        )));
        return exit::ERROR;
    }
    let blueprint_text = std::fs::read_to_string(&saved.blueprint).unwrap_or_default();
    let blueprint = match blueprint::load(&saved.blueprint) {
        Ok(bp) => bp,
        Err(err) => {
            report(err);
            return exit::ERROR;
        }
    };
    let provider =
        match target::connect(&blueprint, &saved.blueprint, saved.emulator, emulators).await {
            Ok(provider) => provider,
            Err(err) => {
                report(err);
                return exit::ERROR;
            }
        };
    let live = match provider.list_pools().await {
        Ok(live) => live,
        Err(err) => {
            report(crate::plan::PlanError::from(err));
            return exit::ERROR;
        }
    };
    let stale = saved.staleness(&blueprint_text, &live);
    if !stale.is_empty() {
        report(SavedPlanError::Stale {
            path: shown,
            reasons: stale.iter().map(ToString::to_string).collect(),
        });
        return exit::STALE_PLAN;
    }
    print!("{}", render::human(&saved.plan, stdout_style()));
    if !saved.plan.has_changes() {
        return exit::OK;
    }
    execute(&saved.plan, provider.as_ref()).await
}

async fn execute(plan: &Plan, provider: &dyn Provider) -> u8 {
    println!();
    let display = Display::for_terminal(std::io::stdout().is_terminal());
    let report = apply_plan(plan, provider, &display).await;
    drop(display);
    print_report(&report);
    if report.failed() > 0 {
        exit::ERROR
    } else {
        exit::OK
    }
}

fn print_report(report: &ApplyReport) {
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

//! `poolctl apply`: blueprints (planned now, then confirmed) and saved plans (checked
//! against the world, then applied as reviewed), for one cluster or a fleet. Every
//! cluster is planned or checked before anything changes: if one cannot be, nothing is
//! applied.

use super::inputs::{Input, Inputs};
use super::output::{errln, out, outln};
use super::plan::{plan_one, reported, stdout_style};
use super::target::{self, Emulators};
use super::{exit, report};
use crate::apply::{apply_plan, ApplyReport, Display, Outcome};
use crate::blueprint;
use crate::plan::{Action, Plan, SavedPlan, SAVED_PLAN_KIND, SAVED_PLAN_VERSION};
use crate::render;
use futures::stream::{self, StreamExt};
use poolctl_provider::Provider;
use std::io::{BufRead, IsTerminal};
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Blueprints (planned now, applied after a `yes`), folders of them, or plans saved
    /// with `poolctl plan -o FILE` (applied as they are, without a prompt, unless
    /// anything they were made from changed). Told apart by their content.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Skip the confirmation prompt.
    #[arg(long)]
    pub auto_approve: bool,
    /// Apply against the built-in emulator instead of the cloud.
    #[arg(long)]
    pub emulator: bool,
    /// Allow a plan that deletes a core pool, or every pool poolctl manages in a cluster.
    #[arg(long)]
    pub allow_destroy_core: bool,
    /// How many clusters are planned and applied at once in a fleet.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
}

/// A cluster whose plan is ready to run.
struct Ready {
    plan: Plan,
    provider: Box<dyn Provider>,
    /// A saved plan was reviewed when it was made: it needs no prompt.
    reviewed: bool,
}

/// Why a cluster is not ready; the diagnostic has been printed.
enum NotReady {
    Failed,
    Stale,
}

const USAGE: &str = "apply takes a blueprint or a saved plan:\n  \
    poolctl apply -f blueprint.toml   plans the blueprint now, shows the plan, asks for `yes`, applies it\n  \
    poolctl apply plan.json           applies a plan saved by `poolctl plan -f blueprint.toml -o plan.json`\n\
    Several files, or a folder of blueprints, apply a fleet.";

pub async fn run(args: ApplyArgs) -> u8 {
    if args.inputs.is_empty() {
        errln!("error: {USAGE}");
        return exit::ERROR;
    }
    let inputs = match args.inputs.classified() {
        Ok(inputs) => inputs,
        Err(message) => {
            errln!("error: {message}");
            return exit::ERROR;
        }
    };
    let emulators = Emulators::default();
    let prepared: Vec<Result<Ready, NotReady>> = stream::iter(inputs.iter())
        .map(|input| prepare(input, &args, &emulators))
        .buffered(usize::from(args.parallelism))
        .collect()
        .await;
    let fleet = prepared.len() > 1;
    let not_ready = prepared.iter().filter(|r| r.is_err()).count();
    if not_ready > 0 {
        let stale = prepared.iter().any(|r| matches!(r, Err(NotReady::Stale)));
        if fleet {
            errln!(
                "Nothing was applied: {not_ready} of {} inputs could not be planned or are stale.",
                prepared.len()
            );
        }
        return if stale { exit::STALE_PLAN } else { exit::ERROR };
    }
    let ready: Vec<Ready> = prepared.into_iter().flatten().collect();

    for (i, cluster) in ready.iter().enumerate() {
        if i > 0 {
            outln!();
        }
        out!("{}", render::human(&cluster.plan, stdout_style()));
    }
    if fleet {
        let changed = ready.iter().filter(|r| r.plan.has_changes()).count();
        outln!("\nFleet: {} clusters, {changed} with changes.", ready.len());
    }
    if !args.allow_destroy_core {
        let hazards: Vec<String> = ready
            .iter()
            .flat_map(|r| {
                r.plan
                    .hazards()
                    .into_iter()
                    .map(move |h| format!("cluster {}: this plan {h}", r.plan.cluster))
            })
            .collect();
        if !hazards.is_empty() {
            errln!(
                "\nerror: refusing to apply: {}.\n  Nothing was changed. If this is what you \
                 want, apply again with --allow-destroy-core.",
                hazards.join("; ")
            );
            return exit::ERROR;
        }
    }
    if !ready.iter().any(|r| r.plan.has_changes()) {
        return exit::OK;
    }
    let needs_consent = ready.iter().any(|r| !r.reviewed && r.plan.has_changes());
    if needs_consent && !args.auto_approve {
        let changing: Vec<&str> = ready
            .iter()
            .filter(|r| r.plan.has_changes())
            .map(|r| r.plan.cluster.as_str())
            .collect();
        let target = match changing.as_slice() {
            [one] => format!("cluster {one}"),
            many => format!("{} clusters ({})", many.len(), many.join(", ")),
        };
        if !confirm(&target).await {
            outln!("\nApply cancelled: nothing was changed.");
            return exit::ERROR;
        }
    }

    outln!();
    let display = Display::for_terminal(std::io::stdout().is_terminal());
    let reports: Vec<(String, ApplyReport)> =
        stream::iter(ready.iter().filter(|r| r.plan.has_changes()))
            .map(|cluster| {
                let display = &display;
                async move {
                    let scope = fleet.then_some(cluster.plan.cluster.as_str());
                    let report =
                        apply_plan(&cluster.plan, cluster.provider.as_ref(), display, scope).await;
                    (cluster.plan.cluster.clone(), report)
                }
            })
            .buffered(usize::from(args.parallelism))
            .collect()
            .await;
    drop(display);
    for (cluster, report) in &reports {
        print_report(fleet.then_some(cluster.as_str()), report);
    }
    if fleet {
        let failed = reports.iter().filter(|(_, r)| r.failed() > 0).count();
        outln!(
            "\nFleet: {} clusters applied, {failed} with failures.",
            reports.len()
        );
    }
    if reports.iter().any(|(_, r)| r.failed() > 0) {
        exit::ERROR
    } else {
        exit::OK
    }
}

async fn prepare(
    input: &Input,
    args: &ApplyArgs,
    emulators: &Emulators,
) -> Result<Ready, NotReady> {
    match input {
        Input::Blueprint(path) => {
            let cluster = plan_one(path, args.emulator, emulators)
                .await
                .map_err(|_| NotReady::Failed)?;
            Ok(Ready {
                plan: cluster.planned.plan,
                provider: cluster.provider,
                reviewed: false,
            })
        }
        Input::SavedPlan(path) => prepare_saved(path, emulators).await,
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum SavedPlanError {
    #[error("cannot use saved plan {path}: {message}")]
    #[diagnostic(help("a saved plan is written by `poolctl plan -f BLUEPRINT -o FILE`"))]
    Unreadable { path: String, message: String },
    #[error("the saved plan {path} is stale: {}", .reasons.join("; "))]
    #[diagnostic(code(poolctl::apply::stale_plan))]
    Stale {
        path: String,
        reasons: Vec<String>,
        #[help]
        again: String,
    },
}

async fn prepare_saved(path: &Path, emulators: &Emulators) -> Result<Ready, NotReady> {
    let shown = path.display().to_string();
    let unreadable = |message: String| {
        report(SavedPlanError::Unreadable {
            path: shown.clone(),
            message,
        });
        NotReady::Failed
    };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| unreadable(format!("not JSON: {e}")))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if value.get("kind").and_then(serde_json::Value::as_str) != Some(SAVED_PLAN_KIND) {
        return Err(unreadable("it is not a poolctl saved plan".into()));
    }
    if version != Some(u64::from(SAVED_PLAN_VERSION)) {
        return Err(unreadable(format!(
            "it has format {}, and this poolctl reads format {SAVED_PLAN_VERSION}: plan again \
             with this version",
            version.map_or_else(|| "?".to_string(), |v| v.to_string())
        )));
    }
    let saved: SavedPlan =
        serde_json::from_value(value).map_err(|e| unreadable(format!("damaged: {e}")))?;
    // The plan carries its blueprint: the file need not be here (another CI job, another
    // runner). Where it is, an edit since the plan makes the plan stale.
    let blueprint =
        blueprint::parse(&saved.blueprint.name, &saved.blueprint.text).map_err(|err| {
            report(err);
            NotReady::Failed
        })?;
    target::check_available(&blueprint).map_err(|err| {
        report(err);
        NotReady::Failed
    })?;
    let on_disk = saved.blueprint_on_disk(path);
    let disk_text = on_disk
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let provider = target::connect(&blueprint, saved.emulator, emulators)
        .await
        .map_err(|err| {
            reported(err);
            NotReady::Failed
        })?;
    let live = provider.list_pools().await.map_err(|err| {
        reported(crate::plan::PlanError::from(err));
        NotReady::Failed
    })?;
    let stale = saved.staleness(disk_text.as_deref(), &live);
    if !stale.is_empty() {
        report(SavedPlanError::Stale {
            path: shown.clone(),
            reasons: stale.iter().map(ToString::to_string).collect(),
            again: plan_again(
                &saved,
                on_disk.as_deref(),
                path,
                saved.emulator && !blueprint.cluster.emulator,
            ),
        });
        return Err(NotReady::Stale);
    }
    Ok(Ready {
        plan: saved.plan,
        provider,
        reviewed: true,
    })
}

/// The command that makes the plan anew, ready to copy: the blueprint where it is now
/// (relative to here when it can be), `--emulator` when the plan was made with the flag.
fn plan_again(
    saved: &SavedPlan,
    on_disk: Option<&Path>,
    plan_file: &Path,
    emulator_flag: bool,
) -> String {
    let blueprint = match on_disk {
        Some(path) => {
            let here = std::env::current_dir().ok();
            let shown = here
                .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
                .unwrap_or_else(|| path.to_path_buf());
            shown.display().to_string()
        }
        None => saved.blueprint.name.clone(),
    };
    let emulator = if emulator_flag { " --emulator" } else { "" };
    format!(
        "nothing was changed. Plan again, review it, and apply the new plan: \
         `poolctl plan -f {}{emulator} -o {}`",
        quoted(&blueprint),
        quoted(&plan_file.display().to_string())
    )
}

/// A path as a shell word.
fn quoted(path: &str) -> String {
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

fn print_report(cluster: Option<&str>, report: &ApplyReport) {
    outln!();
    if let Some(cluster) = cluster {
        outln!("Cluster {cluster}:");
    }
    for step in &report.steps {
        match &step.outcome {
            Outcome::Done => {}
            Outcome::Failed(why) => outln!("  failed  {}: {why}", step.pool),
            Outcome::Skipped(why) => outln!("  skipped {}: {why}", step.pool),
        }
    }
    let verdict = if report.failed() == 0 && report.skipped() == 0 {
        "Apply complete!"
    } else {
        "Apply incomplete."
    };
    outln!(
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

async fn confirm(target: &str) -> bool {
    out!(
        "\nDo you want to perform these actions on {target}?\n  \
         Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
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

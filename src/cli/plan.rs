//! `poolctl plan`: read the live pools, diff them against one blueprint or a fleet of
//! them, print the plans (text, JSON or Markdown) and optionally save one.

use super::inputs::Inputs;
use super::output::{errln, out, outln};
use super::target::{self, Emulators};
use super::{exit, report};
use crate::blueprint::{self, Blueprint};
use crate::plan::{plan_cluster, plan_destroy, Plan, Planned, SavedPlan};
use crate::render::{self, Style};
use futures::stream::{self, StreamExt};
use poolctl_provider::Provider;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Exit 0 when there is nothing to change and every pool is ready, 2 when there are
    /// changes or pools the cloud reports busy, degraded or failed, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan against the built-in emulator instead of the cloud.
    #[arg(long)]
    pub emulator: bool,
    /// Print the plan as JSON (format documented in docs/plan-json.md).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the plan as Markdown, for a pull-request comment.
    #[arg(long)]
    pub markdown: bool,
    /// Save the plan, with fingerprints of the live pools, for `poolctl apply FILE`.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How many clusters are read at once when planning a fleet.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Plan only this pool (its name under [pools], or its cloud name); repeatable. The
    /// plan is then partial: the other pools are not compared.
    #[arg(long = "target", value_name = "POOL")]
    pub targets: Vec<String>,
}

/// What a plan covers: the whole blueprint, some of its pools (`--target`), or the
/// removal of every pool poolctl manages in the cluster (`destroy`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Scope<'a> {
    pub targets: &'a [String],
    pub destroy: bool,
}

/// One planned cluster, with what `apply` needs to carry it out.
pub(super) struct ClusterPlan {
    pub path: PathBuf,
    pub blueprint: Blueprint,
    pub planned: Planned,
    pub provider: Box<dyn Provider>,
    /// `destroy`: the protected pools it keeps.
    pub protected: Vec<String>,
}

pub async fn run(args: PlanArgs) -> u8 {
    if args.inputs.is_empty() {
        errln!("error: no blueprint given: `poolctl plan FILE...`, `-f FILE` or a folder");
        return exit::ERROR;
    }
    let paths = match args.inputs.files() {
        Ok(paths) => paths,
        Err(message) => {
            errln!("error: {message}");
            return exit::ERROR;
        }
    };
    if args.out.is_some() && paths.len() != 1 {
        errln!(
            "error: -o saves the plan of one blueprint; {} were given",
            paths.len()
        );
        return exit::ERROR;
    }
    let emulators = Emulators::default();
    let scope = Scope {
        targets: &args.targets,
        destroy: false,
    };
    let results: Vec<Result<ClusterPlan, String>> = stream::iter(paths.iter())
        .map(|path| plan_one(path, args.emulator, &emulators, scope))
        .buffered(usize::from(args.parallelism))
        .collect()
        .await;
    let failures: Vec<render::FailedCluster> = paths
        .iter()
        .zip(&results)
        .filter_map(|(path, result)| {
            result.as_ref().err().map(|error| render::FailedCluster {
                blueprint: path.display().to_string(),
                error: error.clone(),
            })
        })
        .collect();
    let failed = failures.len();
    let plans: Vec<&ClusterPlan> = results.iter().flatten().collect();

    if let (Some(out), [one]) = (&args.out, plans.as_slice()) {
        if let Err(message) = save(out, one, args.emulator) {
            errln!("error: {message}");
            return exit::ERROR;
        }
    }
    let just_plans: Vec<Plan> = plans.iter().map(|p| p.planned.plan.clone()).collect();
    let fleet = paths.len() > 1;
    // The typed documents keep the documented key order (format_version first).
    if args.json {
        let text = if fleet {
            serde_json::to_string_pretty(&render::FleetDocument::with_failures(
                &just_plans,
                failures.clone(),
            ))
        } else if let Some(plan) = just_plans.first() {
            serde_json::to_string_pretty(&render::PlanDocument::new(plan))
        } else {
            Ok(String::new())
        };
        match text {
            Ok(text) if !text.is_empty() => outln!("{text}"),
            Ok(_) => {}
            Err(e) => {
                errln!("error: cannot encode the plan as JSON: {e}");
                return exit::ERROR;
            }
        }
    } else if args.markdown {
        let text = if fleet {
            render::markdown_fleet(&just_plans, &failures)
        } else {
            just_plans.first().map(render::markdown).unwrap_or_default()
        };
        out!("{text}");
    } else if fleet {
        out!(
            "{}",
            render::human_fleet(&just_plans, &failures, stdout_style())
        );
    } else if let Some(plan) = just_plans.first() {
        out!("{}", render::human(plan, stdout_style()));
    }
    if let Some(out) = &args.out {
        if failed == 0 {
            errln!(
                "Saved the plan to {}; run `poolctl apply {}` to carry it out.",
                out.display(),
                out.display()
            );
        }
    }
    if failed > 0 {
        exit::ERROR
    } else if args.detailed_exitcode && !just_plans.iter().all(Plan::is_clean) {
        exit::CHANGES
    } else {
        exit::OK
    }
}

fn save(out: &Path, cluster: &ClusterPlan, emulator_flag: bool) -> Result<(), String> {
    let text = cluster.blueprint.source.inner().clone();
    let saved = SavedPlan::new(
        cluster.planned.plan.clone(),
        &cluster.path,
        &text,
        target::uses_emulator(&cluster.blueprint, emulator_flag),
        &cluster.planned.live,
        out,
    );
    let json = serde_json::to_string_pretty(&saved).map_err(|e| e.to_string())?;
    std::fs::write(out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

pub(super) fn stdout_style() -> Style {
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Style::Color
    } else {
        Style::Plain
    }
}

/// Loads one blueprint, connects and plans. Any error is reported as a diagnostic on
/// standard error, and returned as one line for the fleet's JSON document.
pub(super) async fn plan_one(
    path: &Path,
    emulator: bool,
    emulators: &Emulators,
    scope: Scope<'_>,
) -> Result<ClusterPlan, String> {
    let blueprint = blueprint::load(path).map_err(reported)?;
    target::check_available(&blueprint).map_err(reported)?;
    let provider = target::connect(&blueprint, emulator, emulators)
        .await
        .map_err(reported)?;
    let (mut planned, protected) = if scope.destroy {
        let destroyed = plan_destroy(&blueprint, provider.as_ref())
            .await
            .map_err(reported)?;
        (destroyed.planned, destroyed.protected)
    } else {
        let planned = plan_cluster(&blueprint, provider.as_ref())
            .await
            .map_err(reported)?;
        (planned, Vec::new())
    };
    if !scope.targets.is_empty() {
        planned.plan.limit_to(scope.targets).map_err(|err| {
            let line = format!("{}: {err}", path.display());
            errln!("error: {line}");
            line
        })?;
    }
    Ok(ClusterPlan {
        path: path.to_path_buf(),
        blueprint,
        planned,
        provider,
        protected,
    })
}

/// Reports an error and keeps its one-line form: the message and its causes.
pub(super) fn reported<E: miette::Diagnostic + Send + Sync + 'static>(err: E) -> String {
    let mut line = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    report(err);
    line
}

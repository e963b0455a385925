//! `poolctl apply` and `poolctl destroy`: blueprints (planned now, then confirmed) and
//! saved plans (checked against the world, then applied as reviewed), for one cluster or
//! a fleet. Every cluster is planned or checked before anything changes: if one cannot
//! be, nothing is applied. Then each cluster is locked, applied and unlocked, several at
//! once, with a report at the end.

use super::inputs::{Input, Inputs};
use super::output::{errln, out, outln};
use super::plan::{plan_one, reported, stdout_style, Scope};
use super::target::{self, Emulators};
use super::{exit, report};
use crate::apply::lock::{self, LockRequest};
use crate::apply::{
    apply_plan, interrupt, timeouts, ApplyReport, Counts, Display, DisplayMode, ExecOptions,
    Interrupt, Outcome, Timeouts,
};
use crate::blueprint;
use crate::plan::{
    fingerprints, live_staleness, Plan, SavedPlan, SAVED_PLAN_KIND, SAVED_PLAN_VERSION,
};
use crate::render;
use futures::stream::{self, StreamExt};
use poolctl_provider::Provider;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::time::Duration;

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
    /// Only this pool (its name under [pools], or its cloud name); repeatable. The plan
    /// is then partial: the other pools are not compared or changed.
    #[arg(long = "target", value_name = "POOL")]
    pub targets: Vec<String>,
    /// How long one pool operation may take: `45m` for every class, or `gpu=90m` for
    /// one (core, workload, spot, gpu); repeatable. Defaults: 30m, and 60m for GPU pools.
    #[arg(long = "timeout", value_name = "[CLASS=]DURATION")]
    pub timeouts: Vec<String>,
    /// How long to wait for another apply's lock on a cluster before giving up (`0s`:
    /// refuse at once, saying who holds it).
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
    /// No progress lines; only the plan, the errors and the final report.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the report as JSON on standard output (the plan and progress go to
    /// standard error; needs --auto-approve or a saved plan).
    #[arg(long)]
    pub json: bool,
}

/// What the command does with the pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    /// Delete every pool poolctl manages in each blueprint's cluster.
    Destroy,
}

/// A cluster whose plan is ready to run.
struct Ready {
    plan: Plan,
    provider: Box<dyn Provider>,
    /// A saved plan was reviewed when it was made: it needs no prompt.
    reviewed: bool,
    /// The blueprint or saved plan it came from.
    source: String,
    /// Pool operations at once on this cluster.
    parallel: usize,
    /// Fingerprints of the live pools the plan was made from: checked again once the
    /// cluster is locked, since another apply may have changed it meanwhile.
    planned_from: BTreeMap<String, String>,
}

/// Why a cluster is not ready; the diagnostic has been printed.
enum NotReady {
    Failed,
    Stale,
}

/// Settings read from the arguments once.
struct Settings {
    timeouts: Timeouts,
    lock_wait: Duration,
}

const USAGE: &str = "apply takes a blueprint or a saved plan:\n  \
    poolctl apply -f blueprint.toml   plans the blueprint now, shows the plan, asks for `yes`, applies it\n  \
    poolctl apply plan.json           applies a plan saved by `poolctl plan -f blueprint.toml -o plan.json`\n\
    Several files, or a folder of blueprints, apply a fleet.";

/// Writes human output where it belongs: standard output, or standard error when
/// standard output carries the JSON report.
macro_rules! say {
    ($json:expr, $($arg:tt)*) => {
        if $json { errln!($($arg)*) } else { outln!($($arg)*) }
    };
}

pub async fn run(args: ApplyArgs, mode: Mode) -> u8 {
    let command = match mode {
        Mode::Apply => "apply",
        Mode::Destroy => "destroy",
    };
    if args.inputs.is_empty() {
        match mode {
            Mode::Apply => errln!("error: {USAGE}"),
            Mode::Destroy => errln!(
                "error: destroy takes the blueprints of the clusters to empty: \
                 `poolctl destroy -f blueprint.toml`"
            ),
        }
        return exit::ERROR;
    }
    let settings = match settings(&args) {
        Ok(settings) => settings,
        Err(message) => {
            errln!("error: {message}");
            return exit::ERROR;
        }
    };
    let inputs = match args.inputs.classified() {
        Ok(inputs) => inputs,
        Err(message) => {
            errln!("error: {message}");
            return exit::ERROR;
        }
    };
    if let Some(Input::SavedPlan(path)) = inputs.iter().find(|i| matches!(i, Input::SavedPlan(_))) {
        let refusal = match mode {
            Mode::Destroy => {
                Some("destroy plans a blueprint's cluster anew; it takes no saved plan")
            }
            Mode::Apply if !args.targets.is_empty() => Some(
                "--target limits a plan made now; a saved plan is applied as it was made \
                 (plan it with `poolctl plan --target POOL -o FILE`)",
            ),
            Mode::Apply => None,
        };
        if let Some(refusal) = refusal {
            errln!("error: {}: {refusal}", path.display());
            return exit::ERROR;
        }
    }
    let blueprints = inputs.iter().any(|i| matches!(i, Input::Blueprint(_)));
    if args.json && !args.auto_approve && blueprints {
        errln!(
            "error: --json prints the report on standard output, so there is no prompt: add \
             --auto-approve, or apply a saved plan"
        );
        return exit::ERROR;
    }
    let emulators = Emulators::default();
    let scope = Scope {
        targets: &args.targets,
        destroy: mode == Mode::Destroy,
    };
    let prepared: Vec<Result<Ready, NotReady>> = stream::iter(inputs.iter())
        .map(|input| prepare(input, &args, scope, &emulators))
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

    let json = args.json;
    let style = if json {
        render::Style::Plain
    } else {
        stdout_style()
    };
    for (i, cluster) in ready.iter().enumerate() {
        if i > 0 {
            say!(json, "");
        }
        let text = render::human(&cluster.plan, style);
        say!(json, "{}", text.trim_end());
    }
    if fleet {
        let changed = ready.iter().filter(|r| r.plan.has_changes()).count();
        say!(
            json,
            "\nFleet: {} clusters, {changed} with changes.",
            ready.len()
        );
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
                "\nerror: refusing to {command}: {}.\n  Nothing was changed. If this is what you \
                 want, run it again with --allow-destroy-core.",
                hazards.join("; ")
            );
            return exit::ERROR;
        }
    }
    if !ready.iter().any(|r| r.plan.has_changes()) {
        if json {
            print_json(&ready, &[], false);
        }
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

    say!(json, "");
    let interrupt = Interrupt::new();
    interrupt::watch_signals(interrupt.clone(), on_first_signal, on_second_signal);
    let display_mode = if args.quiet || json {
        DisplayMode::Quiet
    } else if std::io::stdout().is_terminal() {
        DisplayMode::Terminal
    } else {
        DisplayMode::Log
    };
    let total_steps = ready.iter().map(|r| r.plan.steps().len()).sum();
    let display = Display::new(display_mode, total_steps);
    let reports: Vec<ClusterOutcome> = stream::iter(ready.iter().filter(|r| r.plan.has_changes()))
        .map(|cluster| {
            let display = &display;
            let settings = &settings;
            let interrupt = &interrupt;
            async move { apply_cluster(cluster, fleet, settings, interrupt, display).await }
        })
        .buffered(usize::from(args.parallelism))
        .collect()
        .await;
    display.finish();
    drop(display);
    let interrupted = interrupt.requested();
    for outcome in &reports {
        print_report(json, fleet.then_some(outcome.cluster.as_str()), outcome);
    }
    let total = reports
        .iter()
        .fold(Counts::default(), |sum, r| sum.plus(r.report.counts()));
    if fleet {
        let failed = reports.iter().filter(|r| !r.succeeded()).count();
        say!(
            json,
            "\nFleet: {} clusters applied, {failed} with failures. Pools: {total}.",
            reports.len()
        );
    }
    if interrupted {
        say!(
            json,
            "\nInterrupted: the operations that had started were waited for; {} not started. \
             Run the same command again to finish the job (a plan made now starts from what \
             is live).",
            total.interrupted
        );
    }
    if json {
        print_json(&ready, &reports, interrupted);
    }
    if interrupted {
        exit::INTERRUPTED
    } else if reports.iter().any(|r| !r.succeeded()) {
        exit::ERROR
    } else {
        exit::OK
    }
}

fn settings(args: &ApplyArgs) -> Result<Settings, String> {
    let timeouts = Timeouts::default().with(&args.timeouts)?;
    let lock_wait = match args.lock_timeout.trim() {
        "0" | "0s" | "0m" => Duration::ZERO,
        text => {
            timeouts::parse_duration(text).map_err(|why| format!("--lock-timeout {text}: {why}"))?
        }
    };
    Ok(Settings {
        timeouts,
        lock_wait,
    })
}

fn on_first_signal(interrupt: &Interrupt) {
    let running = interrupt.running().len();
    errln!(
        "\nInterrupted: poolctl starts nothing new and waits for the {running} cloud \
         operation(s) running now. Press Ctrl-C again to exit at once."
    );
}

fn on_second_signal(interrupt: &Interrupt) {
    let running = interrupt.running();
    if running.is_empty() {
        errln!("\nExiting at once. No cloud operation was running.");
    } else {
        errln!("\nExiting at once. These cloud operations are still running:");
        for (id, what) in &running {
            errln!("  {what}: {id}");
        }
        errln!(
            "They go on in the cloud without poolctl. `poolctl plan` shows where they ended, \
             and `poolctl apply` finishes the job. Each cluster's lock stays until it expires \
             or `poolctl unlock` breaks it."
        );
    }
    std::process::exit(i32::from(exit::INTERRUPTED));
}

/// One cluster's apply, as the report tells it.
struct ClusterOutcome {
    cluster: String,
    provider: String,
    source: String,
    report: ApplyReport,
    /// What kept the whole cluster from being applied (its lock), or went wrong after.
    error: Option<String>,
}

impl ClusterOutcome {
    fn succeeded(&self) -> bool {
        self.error.is_none() && self.report.counts().complete()
    }
}

/// Locks the cluster, runs its plan, unlocks it.
async fn apply_cluster(
    cluster: &Ready,
    fleet: bool,
    settings: &Settings,
    interrupt: &Interrupt,
    display: &Display,
) -> ClusterOutcome {
    let plan = &cluster.plan;
    let provider = cluster.provider.as_ref();
    let outcome = |report, error| ClusterOutcome {
        cluster: plan.cluster.clone(),
        provider: plan.provider.clone(),
        source: cluster.source.clone(),
        report,
        error,
    };
    if interrupt.requested() {
        return outcome(
            ApplyReport::none_attempted(plan, Outcome::Interrupted),
            None,
        );
    }
    let request = LockRequest {
        holder: lock::default_holder(),
        lease: lease(plan, &settings.timeouts),
        wait: settings.lock_wait,
    };
    let name = plan.cluster.clone();
    let waited = std::sync::atomic::AtomicBool::new(false);
    let on_wait = |holder: &lock::LockHolder| {
        waited.store(true, std::sync::atomic::Ordering::Relaxed);
        tracing::warn!(
            "cluster {name} is locked by {} (key {}); waiting",
            holder.holder,
            holder.key
        );
    };
    let held = match lock::acquire(provider, &request, &on_wait).await {
        Ok(held) => held,
        Err(err) => {
            let line = format!("cluster {} was not changed: {err}", plan.cluster);
            report(err);
            let skipped = Outcome::Skipped(line.clone());
            return outcome(ApplyReport::none_attempted(plan, skipped), Some(line));
        }
    };
    // When another run held the lock, it most likely changed the cluster since this plan
    // was made: the plan is then not the one to run. (A pool changed by hand is caught
    // pool by pool, by the providers' preconditions and conflict answers.)
    let changed = if !waited.load(std::sync::atomic::Ordering::Relaxed) {
        Vec::new()
    } else {
        match provider.list_pools().await {
            Ok(live) => live_staleness(&cluster.planned_from, plan, &live)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            Err(err) => vec![format!("its pools could not be read again: {err}")],
        }
    };
    if !changed.is_empty() {
        let line = format!(
            "cluster {} changed since it was planned ({}), most likely by another apply that \
             held its lock: nothing was changed. Plan again and apply that plan",
            plan.cluster,
            changed.join("; ")
        );
        errln!("error: {line}");
        if let Err(err) = held.release(provider).await {
            report(err);
        }
        let skipped = Outcome::Skipped(line.clone());
        return outcome(ApplyReport::none_attempted(plan, skipped), Some(line));
    }
    let options = ExecOptions {
        parallel: cluster.parallel,
        timeouts: &settings.timeouts,
        interrupt,
        scope: fleet.then_some(plan.cluster.as_str()),
    };
    let applied = apply_plan(plan, provider, display, &options).await;
    let error = match held.release(provider).await {
        Ok(()) => None,
        Err(err) => {
            let line = format!(
                "cluster {}: its pools were applied, but its lock could not be released: {err}",
                plan.cluster
            );
            report(err);
            Some(line)
        }
    };
    outcome(applied, error)
}

/// How long a cluster's lock is held at most: every step one after another, each given
/// its whole timeout for each provider call, and ten minutes to spare. An apply that
/// dies leaves a lock that expires then (or that `poolctl unlock` breaks before).
fn lease(plan: &Plan, timeouts: &Timeouts) -> Duration {
    let steps = plan.steps();
    let calls: Duration = steps
        .iter()
        .map(|step| {
            let calls = step.change.calls.len().max(1) as u32 + 1;
            timeouts.for_change(step.change) * calls
        })
        .sum();
    calls + Duration::from_secs(600)
}

async fn prepare(
    input: &Input,
    args: &ApplyArgs,
    scope: Scope<'_>,
    emulators: &Emulators,
) -> Result<Ready, NotReady> {
    match input {
        Input::Blueprint(path) => {
            let cluster = plan_one(path, args.emulator, emulators, scope)
                .await
                .map_err(|_| NotReady::Failed)?;
            for kept in &cluster.protected {
                errln!(
                    "note: {}: pool {kept} is protected (protect = true) and stays",
                    path.display()
                );
            }
            let parallel = cluster
                .blueprint
                .cluster
                .parallel_operations
                .map_or_else(|| cluster.provider.parallel_operations(), |n| n as usize);
            Ok(Ready {
                planned_from: fingerprints(&cluster.planned.live),
                plan: cluster.planned.plan,
                provider: cluster.provider,
                reviewed: false,
                source: path.display().to_string(),
                parallel,
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
    let parallel = blueprint
        .cluster
        .parallel_operations
        .map_or_else(|| provider.parallel_operations(), |n| n as usize);
    Ok(Ready {
        planned_from: saved.live.clone(),
        plan: saved.plan,
        provider,
        reviewed: true,
        source: shown,
        parallel,
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

fn print_report(json: bool, cluster: Option<&str>, outcome: &ClusterOutcome) {
    say!(json, "");
    if let Some(cluster) = cluster {
        say!(json, "Cluster {cluster}:");
    }
    let report = &outcome.report;
    for step in &report.steps {
        match &step.outcome {
            Outcome::Done => {}
            Outcome::Failed(why) => say!(json, "  failed  {}: {why}", step.pool),
            Outcome::Skipped(why) => say!(json, "  skipped {}: {why}", step.pool),
            Outcome::Interrupted => say!(
                json,
                "  not started {} ({}): poolctl was interrupted first",
                step.pool,
                step.action.symbol()
            ),
        }
    }
    if let Some(error) = &outcome.error {
        say!(json, "  error: {error}");
    }
    let verdict = if outcome.succeeded() {
        "Apply complete!"
    } else {
        "Apply incomplete."
    };
    say!(
        json,
        "{verdict} Pools: {}, in {:.1}s.",
        report.counts(),
        report.wall_time().as_secs_f64(),
    );
}

/// The JSON report (`apply --json`); its shape is documented in docs/apply-json.md.
#[derive(Serialize)]
struct ReportDocument<'a> {
    format_version: &'static str,
    kind: &'static str,
    /// Whether a SIGINT or SIGTERM stopped the run early.
    interrupted: bool,
    summary: Counts,
    clusters: Vec<ClusterDocument<'a>>,
}

#[derive(Serialize)]
struct ClusterDocument<'a> {
    source: &'a str,
    provider: &'a str,
    cluster: &'a str,
    /// `false` when it had nothing to change.
    applied: bool,
    summary: Counts,
    seconds: f64,
    error: Option<&'a str>,
    pools: &'a [crate::apply::StepReport],
}

fn print_json(ready: &[Ready], reports: &[ClusterOutcome], interrupted: bool) {
    let mut clusters = Vec::new();
    for r in ready {
        match reports
            .iter()
            .find(|o| o.cluster == r.plan.cluster && o.source == r.source)
        {
            Some(o) => clusters.push(ClusterDocument {
                source: &o.source,
                provider: &o.provider,
                cluster: &o.cluster,
                applied: true,
                summary: o.report.counts(),
                seconds: o.report.seconds,
                error: o.error.as_deref(),
                pools: &o.report.steps,
            }),
            None => clusters.push(ClusterDocument {
                source: &r.source,
                provider: &r.plan.provider,
                cluster: &r.plan.cluster,
                applied: false,
                summary: Counts::default(),
                seconds: 0.0,
                error: None,
                pools: &[],
            }),
        }
    }
    let document = ReportDocument {
        format_version: "1",
        kind: "poolctl-apply-report",
        interrupted,
        summary: clusters
            .iter()
            .fold(Counts::default(), |sum, c| sum.plus(c.summary)),
        clusters,
    };
    match serde_json::to_string_pretty(&document) {
        Ok(text) => outln!("{text}"),
        Err(e) => errln!("error: cannot encode the report as JSON: {e}"),
    }
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

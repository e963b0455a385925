//! `poolctl plan`: read the live pools, diff them against the blueprint, print the plan.

use super::{exit, target};
use crate::blueprint::{self, Blueprint};
use crate::plan::{plan_cluster, Plan};
use crate::render::{self, Style};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The blueprint file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Exit 0 when there is nothing to change, 2 when there is, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan against the built-in emulator instead of the cloud.
    #[arg(long)]
    pub emulator: bool,
}

pub async fn run(args: PlanArgs) -> u8 {
    let Some((blueprint, plan, _conn)) = load_and_plan(&args.file, args.emulator).await else {
        return exit::ERROR;
    };
    let _ = blueprint;
    print!("{}", render::human(&plan, stdout_style()));
    if args.detailed_exitcode && plan.has_changes() {
        exit::CHANGES
    } else {
        exit::OK
    }
}

pub(super) fn stdout_style() -> Style {
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Style::Color
    } else {
        Style::Plain
    }
}

/// Loads the blueprint, connects and plans, reporting any error as a diagnostic.
pub(super) async fn load_and_plan(
    file: &Path,
    emulator: bool,
) -> Option<(Blueprint, Plan, target::Connection)> {
    let blueprint = match blueprint::load(file) {
        Ok(bp) => bp,
        Err(err) => {
            super::report(err);
            return None;
        }
    };
    let conn = match target::connect(&blueprint, file, emulator).await {
        Ok(conn) => conn,
        Err(err) => {
            super::report(err);
            return None;
        }
    };
    match plan_cluster(&blueprint, conn.provider.as_ref()).await {
        Ok(plan) => Some((blueprint, plan, conn)),
        Err(err) => {
            super::report(err);
            None
        }
    }
}

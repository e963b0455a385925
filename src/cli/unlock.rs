//! `poolctl unlock`: lists the cluster lock records of a blueprint's cluster (who holds them,
//! since when, until when) and removes them: expired ones always, live ones only when asked
//! (`--force`, or one named with `--key`), saying whose lock was broken.

use super::output::{errln, outln};
use super::target::{self, Emulators};
use super::{exit, report};
use crate::apply::lock::{self, LockHolder};
use crate::blueprint;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct UnlockArgs {
    /// The blueprint whose cluster's lock to show and break.
    #[arg(value_name = "BLUEPRINT", conflicts_with = "file")]
    pub blueprint: Option<PathBuf>,
    /// The blueprint (the same as the positional one).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Talk to the built-in emulator instead of the cloud.
    #[arg(long)]
    pub emulator: bool,
    /// Remove only this record (`poolctl-lock-0a1b2c3d`), live or expired.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Remove live records too. The runs that hold them may still be changing the cluster:
    /// make sure they are gone first.
    #[arg(long)]
    pub force: bool,
}

pub async fn run(args: UnlockArgs) -> u8 {
    let Some(path) = args.file.as_ref().or(args.blueprint.as_ref()) else {
        errln!("error: name the blueprint whose cluster to unlock: `poolctl unlock -f BLUEPRINT`");
        return exit::ERROR;
    };
    let blueprint = match blueprint::load(path) {
        Ok(blueprint) => blueprint,
        Err(err) => {
            report(err);
            return exit::ERROR;
        }
    };
    if let Err(err) = target::check_available(&blueprint) {
        report(err);
        return exit::ERROR;
    }
    let emulators = Emulators::default();
    let provider = match target::connect(&blueprint, args.emulator, &emulators).await {
        Ok(provider) => provider,
        Err(err) => {
            report(err);
            return exit::ERROR;
        }
    };
    let cluster = format!(
        "{} cluster {}",
        provider.kind().to_uppercase(),
        blueprint.cluster.name
    );
    let holders = match lock::holders(provider.as_ref()).await {
        Ok(holders) => holders,
        Err(err) => {
            report(err);
            return exit::ERROR;
        }
    };
    if holders.is_empty() {
        outln!("{cluster} is not locked: it has no lock records.");
        return if args.key.is_some() {
            errln!(
                "error: there is no lock record {}",
                args.key.as_deref().unwrap_or_default()
            );
            exit::ERROR
        } else {
            exit::OK
        };
    }
    outln!("Lock records of {cluster}:");
    for holder in &holders {
        outln!("  {}", line(holder));
    }
    let chosen: Vec<&LockHolder> = match &args.key {
        Some(key) => match holders.iter().find(|h| &h.key == key) {
            Some(holder) => vec![holder],
            None => {
                errln!("error: {cluster} has no lock record {key}; its records are listed above");
                return exit::ERROR;
            }
        },
        None => holders.iter().filter(|h| h.expired || args.force).collect(),
    };
    let mut failed = false;
    for holder in &chosen {
        match provider.remove_lock_record(&holder.key).await {
            Ok(()) if holder.expired => outln!(
                "Removed {}, an expired lock of {}.",
                holder.key,
                holder.holder
            ),
            Ok(()) => outln!(
                "Removed {}, a live lock held by {}: if that run is still going, it no \
                 longer holds the lock.",
                holder.key,
                description(holder)
            ),
            Err(err) => {
                report(lock::LockError::from(err));
                failed = true;
            }
        }
    }
    let kept: Vec<&LockHolder> = holders
        .iter()
        .filter(|h| !chosen.iter().any(|c| c.key == h.key))
        .collect();
    if args.key.is_none() && !kept.is_empty() {
        for holder in &kept {
            errln!(
                "Kept {}: it is live, held by {}.",
                holder.key,
                description(holder)
            );
        }
        errln!(
            "The run holding a live lock may still be changing the cluster. If it is gone, \
             break its lock with `poolctl unlock -f {} --force` (or `--key KEY` for one).",
            path.display()
        );
        return exit::ERROR;
    }
    if failed {
        exit::ERROR
    } else {
        exit::OK
    }
}

/// `poolctl-lock-0a1b2c3d  live     alice-laptop-4242 since ... until ...`.
fn line(holder: &LockHolder) -> String {
    let state = if holder.expired { "expired" } else { "live" };
    format!("{}  {state:<7}  {holder}", holder.key)
}

/// Who and since when, for the messages about one record.
fn description(holder: &LockHolder) -> String {
    if holder.is_unreadable() {
        return holder.holder.clone();
    }
    let now = std::time::SystemTime::now();
    format!(
        "{} since {} ({})",
        holder.holder,
        lock::rfc3339(holder.since),
        lock::relative(holder.since, now)
    )
}

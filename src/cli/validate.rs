//! `poolctl validate`: load and check blueprints; no cloud is called. Says what only
//! `plan` can check, and can answer in JSON for editors and CI annotations.

use super::inputs::Inputs;
use super::output::{errln, outln};
use super::{exit, report, target};
use crate::blueprint::{self, BlueprintDiagnostic, BlueprintError};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Print the diagnostics as JSON (file, line, column, code, message, help).
    #[arg(long)]
    pub json: bool,
}

/// `validate --json`: one entry per blueprint.
#[derive(Debug, Serialize)]
struct Report {
    format_version: &'static str,
    valid: bool,
    blueprints: Vec<FileReport>,
}

#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    valid: bool,
    provider: Option<&'static str>,
    cluster: Option<String>,
    pools: Vec<String>,
    diagnostics: Vec<DiagnosticReport>,
}

#[derive(Debug, Serialize)]
struct DiagnosticReport {
    /// `error`, or `note` for a check left to `plan`.
    severity: &'static str,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    code: &'static str,
    message: String,
    help: Option<String>,
}

impl From<&BlueprintDiagnostic> for DiagnosticReport {
    fn from(d: &BlueprintDiagnostic) -> Self {
        let (line, column) = d.line_column();
        let severity = match d.kind() {
            blueprint::ErrorKind::CheckedByPlan => "note",
            _ => "error",
        };
        DiagnosticReport {
            severity,
            file: d.file().to_string(),
            line: Some(line),
            column: Some(column),
            code: d.kind().code(),
            message: d.message().to_string(),
            help: d.help_text().map(str::to_string),
        }
    }
}

pub fn run(args: ValidateArgs) -> u8 {
    if args.inputs.is_empty() {
        errln!("error: no blueprint given: `poolctl validate FILE...`, `-f FILE` or a folder");
        return exit::ERROR;
    }
    let files = match args.inputs.files() {
        Ok(files) => files,
        Err(message) => {
            errln!("error: {message}");
            return exit::ERROR;
        }
    };
    let reports: Vec<FileReport> = files.iter().map(|f| check(f, args.json)).collect();
    let valid = reports.iter().all(|r| r.valid);
    if args.json {
        let report = Report {
            format_version: "1",
            valid,
            blueprints: reports,
        };
        match serde_json::to_string_pretty(&report) {
            Ok(text) => outln!("{text}"),
            Err(e) => {
                errln!("error: cannot encode the report as JSON: {e}");
                return exit::ERROR;
            }
        }
    }
    if valid {
        exit::OK
    } else {
        exit::ERROR
    }
}

/// Checks one blueprint; unless `quiet` (JSON), prints the outcome as it goes.
fn check(file: &Path, quiet: bool) -> FileReport {
    let name = file.display().to_string();
    let loaded = blueprint::load(file).and_then(|bp| {
        target::check_available(&bp)?;
        Ok(bp)
    });
    match loaded {
        Ok(bp) => {
            let pools: Vec<String> = bp.pools.iter().map(|p| p.name.clone()).collect();
            let notes = bp.checks_left_to_plan();
            if !quiet {
                let count = match pools.len() {
                    1 => "1 pool".to_string(),
                    n => format!("{n} pools"),
                };
                let listed = if pools.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", pools.join(", "))
                };
                outln!(
                    "{name} is valid: {} cluster {} with {count}{listed}.",
                    bp.cluster.provider.as_str(),
                    bp.cluster.name
                );
                for note in &notes {
                    let (line, column) = note.line_column();
                    outln!("note: {name}:{line}:{column}: {}", note.message());
                    if let Some(help) = note.help_text() {
                        outln!("  {help}");
                    }
                }
            }
            FileReport {
                file: name,
                valid: true,
                provider: Some(bp.cluster.provider.as_str()),
                cluster: Some(bp.cluster.name.clone()),
                pools,
                diagnostics: notes.iter().map(DiagnosticReport::from).collect(),
            }
        }
        Err(err) => {
            let diagnostics = match &err {
                BlueprintError::Io { source, .. } => vec![DiagnosticReport {
                    severity: "error",
                    file: name.clone(),
                    line: None,
                    column: None,
                    code: "blueprint::unreadable",
                    message: format!("cannot read blueprint {name}: {source}"),
                    help: None,
                }],
                BlueprintError::Invalid { errors, .. } => {
                    errors.iter().map(DiagnosticReport::from).collect()
                }
            };
            if !quiet {
                report(err);
            }
            FileReport {
                file: name,
                valid: false,
                provider: None,
                cluster: None,
                pools: Vec::new(),
                diagnostics,
            }
        }
    }
}

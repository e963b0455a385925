//! The files a command works on, given the same way to `validate`, `plan` and `apply`:
//! `-f FILE`, positional `FILE...`, or a folder (its `*.toml`). `apply` also takes saved
//! plans, told apart from blueprints by what they hold, not by their name.

use crate::plan::SAVED_PLAN_KIND;
use std::path::{Path, PathBuf};

/// The blueprint arguments every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Inputs {
    /// Blueprint files, or folders of them (their *.toml files); several make a fleet.
    #[arg(value_name = "BLUEPRINT")]
    pub paths: Vec<PathBuf>,
    /// A blueprint file (the same as a positional one; may be repeated).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// What one input file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Blueprint(PathBuf),
    /// A plan written by `poolctl plan -o`.
    SavedPlan(PathBuf),
}

impl Inputs {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.files.is_empty()
    }

    /// Every file named, folders expanded into their `*.toml` files (sorted), in the
    /// order given (`-f` files first).
    pub fn files(&self) -> Result<Vec<PathBuf>, String> {
        let mut out = Vec::new();
        for path in self.files.iter().chain(&self.paths) {
            if path.is_dir() {
                let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                    .map_err(|e| format!("cannot read folder {}: {e}", path.display()))?
                    .filter_map(|entry| entry.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                if found.is_empty() {
                    return Err(format!(
                        "folder {} holds no *.toml blueprint",
                        path.display()
                    ));
                }
                found.sort();
                out.extend(found);
            } else {
                out.push(path.clone());
            }
        }
        Ok(out)
    }

    /// The files named, each classified by its content. A file that cannot be read is
    /// left a blueprint: loading it reports why.
    pub fn classified(&self) -> Result<Vec<Input>, String> {
        self.files()?
            .into_iter()
            .map(|path| {
                classify(&path).map(|saved| {
                    if saved {
                        Input::SavedPlan(path.clone())
                    } else {
                        Input::Blueprint(path.clone())
                    }
                })
            })
            .collect()
    }
}

/// Whether `path` holds a saved plan. JSON of another kind is an error: it is neither a
/// blueprint (TOML) nor a plan.
fn classify(path: &Path) -> Result<bool, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(false);
    };
    if !text.trim_start().starts_with('{') {
        return Ok(false);
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        // Not JSON at all: loading it as a blueprint will say what is wrong.
        return Ok(false);
    };
    match value.get("kind").and_then(|k| k.as_str()) {
        Some(SAVED_PLAN_KIND) => Ok(true),
        Some(other) => Err(format!(
            "{} is JSON of kind {other:?}, neither a blueprint (TOML) nor a plan saved by \
             `poolctl plan -o FILE`",
            path.display()
        )),
        None if value.get("changes").is_some() || value.get("clusters").is_some() => Err(format!(
            "{} is the output of `poolctl plan --json`, which is for reading: to apply a \
                 reviewed plan, save it with `poolctl plan -f BLUEPRINT -o FILE` and apply that \
                 file",
            path.display()
        )),
        None => Err(format!(
            "{} is JSON, neither a blueprint (TOML) nor a plan saved by `poolctl plan -o FILE`",
            path.display()
        )),
    }
}

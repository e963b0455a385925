//! The state file: `gke.json` in the state directory (named when the emulator served GKE only;
//! it holds the AKS and EKS states too, in its `aks` and `eks` sections), read and rewritten by every request under
//! an exclusive lock, so that emulators of several processes sharing the folder are one cloud.
//! Writes go to a temporary file renamed over the old one, so a crash never leaves half a state.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::aks::model::State as AksState;
use crate::eks::model::State as EksState;
use crate::gke::model::State as GkeState;
use crate::EmulatorError;

/// Bumped when the file's shape changes incompatibly.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StateFileContents<G, A, E> {
    format: u32,
    gke: G,
    /// Absent from files written before the emulator served AKS.
    #[serde(default)]
    aks: A,
    /// Absent from files written before the emulator served EKS; an addition, so the format
    /// stays 1.
    #[serde(default)]
    eks: E,
}

/// The three clouds' state, as the file holds it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Saved {
    pub gke: GkeState,
    pub aks: AksState,
    pub eks: EksState,
}

#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    /// Held exclusively while a request reads and writes the state.
    lock_path: PathBuf,
    /// The file as this process last read or wrote it: when it is still that file, the
    /// state in memory is current and need not be parsed again.
    seen: std::sync::Mutex<Option<Stamp>>,
}

/// What tells one version of the file from another: every save renames a new file into
/// place, so its inode changes, and with it its modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    modified: Option<std::time::SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Stamp {
        inode,
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// The state folder locked for one request; other processes wait until it is dropped.
pub(crate) struct Locked {
    _file: fs::File,
}

impl StateFile {
    /// Creates the directory if needed.
    pub(crate) fn open(dir: &Path) -> Result<Self, EmulatorError> {
        fs::create_dir_all(dir).map_err(|source| EmulatorError::StateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(StateFile {
            path: dir.join("gke.json"),
            lock_path: dir.join("gke.json.lock"),
            seen: std::sync::Mutex::new(None),
        })
    }

    /// Waits for, then takes, the folder's exclusive lock.
    pub(crate) fn lock(&self) -> io::Result<Locked> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)?;
        file.lock()?;
        Ok(Locked { _file: file })
    }

    /// The saved state when another process changed it since this one last read or wrote
    /// it; `None` when the state in memory is current. Call with the lock held.
    pub(crate) fn load_if_changed(&self) -> Result<Option<Saved>, EmulatorError> {
        let now = stamp(&self.path);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if now.is_some() && *seen == now {
            return Ok(None);
        }
        let state = self.load()?;
        *seen = now;
        Ok(Some(state))
    }

    /// The saved state, or an empty one when nothing was saved yet.
    pub(crate) fn load(&self) -> Result<Saved, EmulatorError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Saved::default()),
            Err(source) => {
                return Err(EmulatorError::ReadState {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let contents: StateFileContents<GkeState, AksState, EksState> = serde_json::from_str(&text)
            .map_err(|source| EmulatorError::ParseState {
                path: self.path.clone(),
                source,
            })?;
        if contents.format != FORMAT {
            return Err(EmulatorError::StateFormat {
                path: self.path.clone(),
                found: contents.format,
                expected: FORMAT,
            });
        }
        Ok(Saved {
            gke: contents.gke,
            aks: contents.aks,
            eks: contents.eks,
        })
    }

    pub(crate) fn save(&self, gke: &GkeState, aks: &AksState, eks: &EksState) -> io::Result<()> {
        let contents = StateFileContents {
            format: FORMAT,
            gke,
            aks,
            eks,
        };
        let text = serde_json::to_vec_pretty(&contents).map_err(io::Error::other)?;
        let tmp = self.path.with_extension("json.tmp");
        fs::write(&tmp, text)?;
        fs::rename(&tmp, &self.path)?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = stamp(&self.path);
        Ok(())
    }
}

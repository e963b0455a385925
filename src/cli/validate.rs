//! `poolctl validate`: load and check a blueprint; no cloud is called.

use super::exit;
use crate::blueprint;
use std::path::Path;

pub fn run(file: &Path) -> u8 {
    match blueprint::load(file) {
        Ok(bp) => {
            let pools: Vec<&str> = bp.pools.iter().map(|p| p.name.as_str()).collect();
            println!(
                "{} is valid: {} cluster {} with {} pools ({}).",
                file.display(),
                bp.cluster.provider.as_str(),
                bp.cluster.name,
                pools.len(),
                pools.join(", ")
            );
            exit::OK
        }
        Err(err) => {
            super::report(err);
            exit::ERROR
        }
    }
}

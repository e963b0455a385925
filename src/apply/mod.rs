//! Applying a plan: runs each pool's change through the provider in plan order, shows
//! progress, and reports what was done, what failed and what was not attempted.

mod display;
mod executor;
pub mod lock;

pub use display::Display;
pub use executor::{apply_plan, ApplyReport, Outcome, StepReport};

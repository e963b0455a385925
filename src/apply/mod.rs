//! Applying a plan: runs each pool's change through the provider as the plan's dependency
//! graph and the cloud's concurrency rule allow, shows progress, stops cleanly when
//! interrupted, and reports what was done, what failed and what was not attempted.

mod display;
mod executor;
pub mod graph;
pub mod interrupt;
pub mod lock;
mod report;
pub mod timeouts;

pub use display::{Display, DisplayMode};
pub use executor::{apply_plan, ExecOptions};
pub use interrupt::Interrupt;
pub use report::{ApplyReport, Counts, Outcome, StepReport};
pub use timeouts::Timeouts;

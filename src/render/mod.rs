//! Rendering plans for people: Terraform-like text, coloured on a terminal, plain
//! otherwise. Rendering never changes a plan.

mod human;

pub use human::{human, Style};

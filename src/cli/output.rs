//! Standard output and error that never panic: once the reader is gone (`poolctl plan |
//! head -1`), further output is dropped and the command finishes as it would have, with
//! its own exit code. An apply must not stop halfway because nobody reads its log.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Writes to standard output; a closed pipe or any other write error drops this and all
/// later output.
pub fn write_out(args: fmt::Arguments<'_>) {
    write_to(&mut std::io::stdout().lock(), &STDOUT_GONE, args);
}

/// Writes to standard error, with the same rule.
pub fn write_err(args: fmt::Arguments<'_>) {
    write_to(&mut std::io::stderr().lock(), &STDERR_GONE, args);
}

fn write_to(stream: &mut dyn Write, gone: &AtomicBool, args: fmt::Arguments<'_>) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    if stream
        .write_fmt(args)
        .and_then(|()| stream.flush())
        .is_err()
    {
        gone.store(true, Ordering::Relaxed);
    }
}

/// `print!` that survives a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::write_out(format_args!($($arg)*)) };
}

/// `println!` that survives a closed pipe.
macro_rules! outln {
    () => { $crate::cli::output::write_out(format_args!("\n")) };
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that survives a closed pipe.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::write_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, out, outln};

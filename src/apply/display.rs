//! Progress display: on a terminal, one spinner line per operation under a bar for the
//! whole run; plain timestamped lines when output goes to a CI log or a file; nothing
//! with `--quiet`.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use poolctl_provider::Progress;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub enum Display {
    Spinners {
        multi: MultiProgress,
        /// Steps ended out of every step of the run.
        overall: ProgressBar,
    },
    Lines,
    Quiet,
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayMode {
    Terminal,
    Log,
    Quiet,
}

impl Display {
    /// A display for a run of `steps` steps in all.
    pub fn new(mode: DisplayMode, steps: usize) -> Self {
        match mode {
            DisplayMode::Terminal => {
                let multi = MultiProgress::new();
                let overall = multi.add(ProgressBar::new(steps as u64));
                overall.set_style(
                    ProgressStyle::with_template(
                        "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} steps [{elapsed}]",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                overall.set_prefix("apply");
                overall.enable_steady_tick(Duration::from_millis(500));
                Display::Spinners { multi, overall }
            }
            DisplayMode::Log => Display::Lines,
            DisplayMode::Quiet => Display::Quiet,
        }
    }

    /// One step of the run ended (done, failed, skipped or not started).
    pub fn step_ended(&self) {
        if let Display::Spinners { overall, .. } = self {
            overall.inc(1);
        }
    }

    /// Ends the overall bar, leaving it on the screen.
    pub fn finish(&self) {
        if let Display::Spinners { overall, .. } = self {
            overall.finish();
        }
    }

    /// Starts the display of one operation (`+ core: create`).
    pub fn start(&self, label: String) -> OperationLine {
        match self {
            Display::Spinners { multi, .. } => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner:.cyan} {prefix} {wide_msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(label.clone());
                bar.set_message("starting");
                bar.enable_steady_tick(Duration::from_millis(120));
                OperationLine {
                    bar: Some(bar),
                    log: false,
                    label,
                    started: Instant::now(),
                    last: Mutex::new(String::new()),
                }
            }
            Display::Lines | Display::Quiet => {
                let log = matches!(self, Display::Lines);
                if log {
                    print_line(&label, "starting");
                }
                OperationLine {
                    bar: None,
                    log,
                    label,
                    started: Instant::now(),
                    last: Mutex::new(String::new()),
                }
            }
        }
    }
}

/// The display of one running operation; the provider reports the cloud's status to it.
pub struct OperationLine {
    bar: Option<ProgressBar>,
    /// Plain lines for a log (without a bar).
    log: bool,
    label: String,
    started: Instant,
    last: Mutex<String>,
}

impl OperationLine {
    /// Ends the line with its outcome; `ok` picks the mark a terminal shows.
    pub fn finish(&self, message: &str, ok: bool) {
        let text = format!(
            "{message} after {:.1}s",
            self.started.elapsed().as_secs_f64()
        );
        match &self.bar {
            Some(bar) => {
                let mark = if ok { "\u{2713}" } else { "\u{2717}" };
                let template = format!("{mark} {{prefix}} {{wide_msg}}");
                if let Ok(style) = ProgressStyle::with_template(&template) {
                    bar.set_style(style);
                }
                bar.finish_with_message(text);
            }
            None if self.log => print_line(&self.label, &text),
            None => {}
        }
    }

    /// The cloud accepted an operation: a log names it, so that a cancelled CI job's log
    /// says what may still be running.
    pub fn operation(&self, id: &str) {
        if self.log {
            print_line(&self.label, &format!("cloud operation {id}"));
        }
    }
}

impl Progress for OperationLine {
    fn status(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(message.to_string()),
            None if !self.log => {}
            None => {
                // Polls repeat the same status; a CI log wants each change once.
                let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
                if *last != message {
                    *last = message.to_string();
                    print_line(&self.label, message);
                }
            }
        }
    }
}

fn print_line(label: &str, message: &str) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        % 86_400;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "{:02}:{:02}:{:02} {label}: {message}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
}

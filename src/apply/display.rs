//! Progress display: one spinner line per operation on a terminal; plain timestamped
//! lines when output goes to a CI log or a file.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use poolctl_provider::Progress;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub enum Display {
    Spinners(MultiProgress),
    Lines,
}

impl Display {
    pub fn for_terminal(is_terminal: bool) -> Self {
        if is_terminal {
            Display::Spinners(MultiProgress::new())
        } else {
            Display::Lines
        }
    }

    /// Starts the display of one operation (`+ core: create`).
    pub fn start(&self, label: String) -> OperationLine {
        match self {
            Display::Spinners(multi) => {
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
                    label,
                    started: Instant::now(),
                    last: Mutex::new(String::new()),
                }
            }
            Display::Lines => {
                print_line(&label, "starting");
                OperationLine {
                    bar: None,
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
            None => print_line(&self.label, &text),
        }
    }
}

impl Progress for OperationLine {
    fn status(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(message.to_string()),
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

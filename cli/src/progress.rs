//! What orrery says on stderr while it works: a spinner naming the current stage when stderr
//! is a terminal, each stage's time with `-v`, and nothing but problems with `--quiet`.

use std::fmt::Display;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How much to say: `--quiet` (problems only), the default, or `-v` (stage timings too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct Progress {
    verbosity: Verbosity,
    /// Drawn only on a terminal, and never with `--quiet`.
    spinner: Option<ProgressBar>,
    started: Instant,
    stage: Option<(&'static str, Instant)>,
    finished: bool,
}

/// Stages shorter than this finish before a spinner would be worth drawing.
const SPINNER_DELAY: Duration = Duration::from_millis(120);

impl Progress {
    pub fn new(verbosity: Verbosity) -> Progress {
        let spinner =
            (verbosity > Verbosity::Quiet && std::io::stderr().is_terminal()).then(|| {
                let spinner = ProgressBar::hidden();
                let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                spinner.set_style(style);
                spinner
            });
        Progress {
            verbosity,
            spinner,
            started: Instant::now(),
            stage: None,
            finished: false,
        }
    }

    /// Ends the current stage (reporting its time with `-v`) and starts `name`.
    pub fn stage(&mut self, name: &'static str) {
        self.end_stage();
        self.stage = Some((name, Instant::now()));
        if let Some(spinner) = &self.spinner {
            spinner.set_message(name);
            if self.started.elapsed() >= SPINNER_DELAY {
                spinner.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                spinner.enable_steady_tick(Duration::from_millis(80));
            }
        }
    }

    /// A detail worth knowing when asked for (`-v`): what the cache did, how many files.
    pub fn detail(&self, message: impl Display) {
        if self.verbosity == Verbosity::Verbose {
            self.say(format_args!("orrery: {message}"));
        }
    }

    /// A status line (`orrery gen: wrote 3 files`), silent with `--quiet`.
    pub fn status(&self, message: impl Display) {
        if self.verbosity > Verbosity::Quiet {
            self.say(message);
        }
    }

    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Ends the last stage and clears the spinner; with `-v`, reports the total time. Only the
    /// first call does anything.
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.end_stage();
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
        self.detail(format_args!(
            "total {}",
            milliseconds(self.started.elapsed())
        ));
    }

    fn end_stage(&mut self) {
        if let Some((name, started)) = self.stage.take() {
            self.detail(format_args!("{name} {}", milliseconds(started.elapsed())));
        }
    }

    fn say(&self, message: impl Display) {
        match &self.spinner {
            Some(spinner) => spinner.suspend(|| eprintln!("{message}")),
            None => eprintln!("{message}"),
        }
    }
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

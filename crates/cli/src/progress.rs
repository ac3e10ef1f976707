//! Progress display on stderr, drawn only when stderr is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// A spinner with a message; silent when hidden or when stderr is not a terminal.
#[derive(Debug)]
pub struct Spinner {
    bar: ProgressBar,
}

impl Spinner {
    /// A spinner; `quiet` hides it (for machine output).
    pub fn new(quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new_spinner()
        };
        if !quiet {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Spinner { bar }
    }

    /// Shows what is happening now.
    pub fn say(&self, message: &str) {
        self.bar.set_message(message.to_string());
    }

    /// Clears the spinner.
    pub fn done(&self) {
        self.bar.finish_and_clear();
    }
}

//! The progress bar: the only place that knows about `indicatif`. Shown on a
//! terminal only; documents/s, MB/s and ETA.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over input bytes.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` input bytes, drawn on stderr.
    pub fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, ETA {eta}) {msg}",
            )
            .expect("the template is valid"),
        );
        Progress { bar }
    }

    /// Records the work done so far.
    pub fn set(&self, documents: u64, bytes: u64) {
        self.bar.set_position(bytes);
        let secs = self.bar.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{documents} docs, {:.0} docs/s",
            documents as f64 / secs
        ));
    }

    /// Prints a line above the bar.
    pub fn println(&self, line: &str) {
        self.bar.println(line);
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

//! Progress lines for long operations: a live line per role on a terminal
//! (indicatif), plain lines when stderr is not a terminal. The library never
//! prints progress itself; it reports through [`Progress`].

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where a step (role, hook, job, image) is, as the progress line shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Waiting,
    Starting,
    Running,
    Ready,
    Unchanged,
    Done,
    Failed,
    /// Scaling down a role that retires members.
    Retiring,
    Scaling,
    Readmitting,
    /// A Storm topology being killed.
    Killing,
    Removed,
    /// Images: fetching, building and publishing them.
    Download,
    Cached,
    Debootstrap,
    Preparing,
    Building,
    Packing,
    Importing,
    Pushing,
    /// An application's own state, as its system names it (YARN: `accepted`, `running`, …).
    Application(String),
}

impl State {
    pub fn as_str(&self) -> &str {
        match self {
            State::Waiting => "waiting",
            State::Starting => "starting",
            State::Running => "running",
            State::Ready => "ready",
            State::Unchanged => "unchanged",
            State::Done => "done",
            State::Failed => "failed",
            State::Retiring => "retiring",
            State::Scaling => "scaling",
            State::Readmitting => "readmitting",
            State::Killing => "killing",
            State::Removed => "removed",
            State::Download => "download",
            State::Cached => "cached",
            State::Debootstrap => "debootstrap",
            State::Preparing => "preparing",
            State::Building => "building",
            State::Packing => "packing",
            State::Importing => "importing",
            State::Pushing => "pushing",
            State::Application(s) => s,
        }
    }

    /// The step is over, well.
    pub fn is_success(&self) -> bool {
        matches!(self, State::Ready | State::Unchanged | State::Done)
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

pub trait Progress: Send + Sync {
    /// A step (role, hook or job) changed: `state` is where it is, `detail`
    /// says what is seen.
    fn step(&self, name: &str, state: State, detail: &str);
    /// A line of its own, above any live lines.
    fn note(&self, text: &str);
}

/// The reporter for this process: live lines on a terminal, else plain ones.
pub fn reporter() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Live::default())
    } else {
        Box::new(Plain::default())
    }
}

/// One line per change, for logs and CI.
#[derive(Default)]
pub struct Plain {
    last: Mutex<HashMap<String, (State, String)>>,
}

impl Progress for Plain {
    fn step(&self, name: &str, state: State, detail: &str) {
        let mut last = self.last.lock().expect("progress lock");
        let now = (state.clone(), detail.to_string());
        if last.get(name) == Some(&now) {
            return;
        }
        last.insert(name.to_string(), now);
        if detail.is_empty() {
            eprintln!("  {name:<14} {state}");
        } else {
            eprintln!("  {name:<14} {state:<10} {detail}");
        }
    }

    fn note(&self, text: &str) {
        eprintln!("{text}");
    }
}

/// Live spinner lines (indicatif).
pub struct Live {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Default for Live {
    fn default() -> Live {
        Live { multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()), bars: Mutex::new(HashMap::new()) }
    }
}

impl Progress for Live {
    fn step(&self, name: &str, state: State, detail: &str) {
        let mut bars = self.bars.lock().expect("progress lock");
        let bar = bars.entry(name.to_string()).or_insert_with(|| {
            let b = self.multi.add(ProgressBar::new_spinner());
            b.set_style(ProgressStyle::with_template("  {spinner:.cyan} {prefix:<14.bold} {msg}").expect("a valid template"));
            b.set_prefix(name.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        let msg = if detail.is_empty() { state.to_string() } else { format!("{state:<10} {detail}") };
        match state {
            s if s.is_success() => {
                bar.set_style(ProgressStyle::with_template("  {prefix:<16.bold} {msg:.green}").expect("a valid template"));
                bar.finish_with_message(msg);
            }
            State::Failed => {
                bar.set_style(ProgressStyle::with_template("  {prefix:<16.bold} {msg:.red}").expect("a valid template"));
                bar.finish_with_message(msg);
            }
            _ => bar.set_message(msg),
        }
    }

    fn note(&self, text: &str) {
        let _ = self.multi.println(text);
    }
}

/// Progress that goes nowhere (for tests).
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _: &str, _: State, _: &str) {}
    fn note(&self, _: &str) {}
}

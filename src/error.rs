//! bdprov's error: what went wrong, and what to do about it; and the
//! [`Signal`] that interrupted a command ([`Error::Interrupted`]), which
//! `signals` listens for (so that module depends on this one, not back).

use std::fmt;

use crate::diag::Diagnostics;

/// The cause of a failure: another layer's error, kept as it is.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug)]
pub enum Error {
    /// Bad input (blueprint, values, `--set`, templates): nothing was changed.
    Input(Diagnostics),
    /// Anything else, with advice: what failed in bdprov's words (none when
    /// its cause says it all, as a layer's typed error does), what to do,
    /// and why (the cause chain, which [`Error::source`] walks).
    Failed { message: Option<String>, help: Option<String>, source: Option<Cause> },
    /// A command whose outcome is an exit code: a job that exited with this
    /// code, or `doctor` finding a problem (1). Its output (the job's, or the
    /// doctor's report) was already shown, so nothing more is printed.
    JobExit(i32),
    /// A signal stopped the command: what it left, and how to go on.
    Interrupted { signal: Signal, report: String, help: Option<String> },
}

/// A failure that is the cause of another (what [`Error::context`] keeps
/// of the inner error): its message and its own cause.
#[derive(Debug)]
pub struct Failure {
    message: String,
    source: Option<Cause>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Failed { message: Some(message.into()), help: None, source: None }
    }

    pub fn help(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::Failed { message: Some(message.into()), help: Some(help.into()), source: None }
    }

    /// A layer's typed error taken as it is: its text says what failed and
    /// why; `help` is what to do about it.
    pub fn caused(cause: impl Into<Cause>, help: Option<String>) -> Error {
        Error::Failed { message: None, help, source: Some(cause.into()) }
    }

    /// Bad input found on the command line or against the cluster's
    /// definition (an unknown role, a request that can never be met):
    /// nothing was changed; exit code 2 like every other input error.
    pub fn input(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::Input(crate::diag::Diagnostic::new(message).help(help).into())
    }

    /// The same error as the cause of `what` (where it happened): printed
    /// `what: inner`, with the inner error's help.
    pub fn context(self, what: &str) -> Error {
        match self {
            Error::Failed { message: Some(message), help, source } => {
                Error::Failed { message: Some(what.to_string()), help, source: Some(Box::new(Failure { message, source })) }
            }
            Error::Failed { message: None, help, source } => Error::Failed { message: Some(what.to_string()), help, source },
            other => other,
        }
    }

    /// The process exit code for this error: 2 for bad input (as clap's
    /// own usage errors), 1 for anything else, a job's own code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Failed { .. } => 1,
            Error::JobExit(code) => *code,
            Error::Interrupted { signal, .. } => signal.exit_code(),
        }
    }
}

/// The error line of a failure: its message, then each cause's, joined by
/// `: `. The causes are walked through [`Failure`]s; the first other error
/// (a layer's typed error, a library's) is printed as it tells itself, and
/// its own sources are not repeated: its text already says what of them
/// matters (an engine error says the engine's message, not bollard's
/// wording of it).
fn line(message: Option<&str>, source: Option<&(dyn std::error::Error + 'static)>) -> String {
    let mut parts: Vec<String> = message.map(str::to_string).into_iter().collect();
    let mut next = source;
    while let Some(cause) = next {
        match cause.downcast_ref::<Failure>() {
            Some(failure) => {
                parts.push(failure.message.clone());
                next = failure.source.as_deref().map(|e| e as _);
            }
            None => {
                parts.push(cause.to_string());
                next = None;
            }
        }
    }
    parts.join(": ")
}

/// The error as the command line prints it (the edge: `cli::main`): the
/// error line with its causes, then the help.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(d) => write!(f, "{d}"),
            Error::Failed { message, help, source } => {
                writeln!(f, "error: {}", line(message.as_deref(), source.as_deref().map(|e| e as _)))?;
                if let Some(h) = help {
                    writeln!(f, "  = help: {h}")?;
                }
                Ok(())
            }
            Error::JobExit(code) => writeln!(f, "error: the job exited with code {code}"),
            Error::Interrupted { signal, report, help } => {
                writeln!(f, "error: interrupted by {}: {report}", signal.name())?;
                if let Some(h) = help {
                    writeln!(f, "  = help: {h}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Failed { source, .. } => source.as_deref().map(|e| e as _),
            _ => None,
        }
    }
}

impl From<Diagnostics> for Error {
    fn from(d: Diagnostics) -> Error {
        Error::Input(d)
    }
}

impl From<crate::diag::Diagnostic> for Error {
    fn from(d: crate::diag::Diagnostic) -> Error {
        Error::Input(d.into())
    }
}

/// A signal that interrupts bdprov.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
    Hup,
    Quit,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
            Signal::Hup => "SIGHUP",
            Signal::Quit => "SIGQUIT",
        }
    }

    fn number(self) -> i32 {
        match self {
            Signal::Hup => 1,
            Signal::Int => 2,
            Signal::Quit => 3,
            Signal::Term => 15,
        }
    }

    /// The exit code of a process ended by this signal, as shells report it.
    pub fn exit_code(self) -> i32 {
        128 + self.number()
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// Each cause's text down the chain that `source()` walks.
    fn chain(e: &Error) -> Vec<String> {
        std::iter::successors(e.source(), |&c| c.source()).map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_context_prints_as_a_prefix_and_keeps_the_inner_error_as_its_cause() {
        let e = Error::help("no such file", "write it first").context("cannot read x").context("hook `h`");
        assert_eq!(e.to_string(), "error: hook `h`: cannot read x: no such file\n  = help: write it first\n");
        assert_eq!(chain(&e), ["cannot read x", "no such file"]);
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn a_library_error_is_printed_once_however_deep_its_own_chain() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "cannot open it: {}", self.0)
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = Error::caused(Outer(io), None).context("up");
        assert_eq!(e.to_string(), "error: up: cannot open it: gone\n");
        assert_eq!(chain(&e), ["cannot open it: gone", "gone"]);
        assert!(e.source().unwrap().downcast_ref::<Outer>().is_some());
        // Taken as it is, without a context: the cause's text is the line.
        let bare = Error::caused(std::io::Error::other("disk full"), Some("free some space".into()));
        assert_eq!(bare.to_string(), "error: disk full\n  = help: free some space\n");
    }

    #[test]
    fn exit_codes_do_not_change_with_a_context() {
        assert_eq!(Error::msg("x").context("y").exit_code(), 1);
        assert_eq!(Error::input("bad", "fix it").context("y").exit_code(), 2);
        assert_eq!(Error::JobExit(7).context("y").exit_code(), 7);
        let stopped = Error::Interrupted { signal: Signal::Term, report: "left nothing".into(), help: None };
        assert_eq!(stopped.context("y").exit_code(), 143);
        assert_eq!(Error::caused(std::io::Error::other("x"), None).exit_code(), 1);
        // What is not a failure is not wrapped: no cause, the same text.
        let input = Error::input("bad", "fix it").context("y");
        assert!(input.source().is_none() && !input.to_string().contains("y: "), "{input}");
    }
}

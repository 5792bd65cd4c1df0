//! bdprov's error: what went wrong, and what to do about it; and the
//! [`Signal`] that interrupted a command ([`Error::Interrupted`]), which
//! `signals` listens for (so that module depends on this one, not back).

use std::fmt;

use crate::diag::Diagnostics;

#[derive(Debug)]
pub enum Error {
    /// Bad input (blueprint, values, `--set`, templates): nothing was changed.
    Input(Diagnostics),
    /// Anything else, with advice.
    Failed { message: String, help: Option<String> },
    /// A command whose outcome is an exit code: a job that exited with this
    /// code, or `doctor` finding a problem (1). Its output (the job's, or the
    /// doctor's report) was already shown, so nothing more is printed.
    JobExit(i32),
    /// A signal stopped the command: what it left, and how to go on.
    Interrupted { signal: Signal, report: String, help: Option<String> },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Failed { message: message.into(), help: None }
    }

    pub fn help(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::Failed { message: message.into(), help: Some(help.into()) }
    }

    /// Bad input found on the command line or against the cluster's
    /// definition (an unknown role, a request that can never be met):
    /// nothing was changed; exit code 2 like every other input error.
    pub fn input(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::Input(crate::diag::Diagnostic::new(message).help(help).into())
    }

    /// The same error, its message prefixed with where it happened.
    pub fn context(self, what: &str) -> Error {
        match self {
            Error::Failed { message, help } => Error::Failed { message: format!("{what}: {message}"), help },
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(d) => write!(f, "{d}"),
            Error::Failed { message, help } => {
                writeln!(f, "error: {message}")?;
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

impl std::error::Error for Error {}

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

//! The only module that talks to Docker, through the Engine API (bollard).
//!
//! Everything it lists is filtered by bdprov's labels, and everything it
//! removes came from such a list: objects without this cluster's labels are
//! never touched.

pub mod conflict;
mod connect;
pub mod context;
pub mod error;
pub mod images;
pub mod lease;
mod objects;
mod observe;
pub mod secrets;
mod services;
pub mod spec;
mod ssh;
mod store;
mod swarm;
mod types;

pub use context::{Choice, Target};
pub use types::*;

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;

use crate::error::Error;

/// How often to try again to remove an object that is still in use.
const RETRY_EVERY: Duration = Duration::from_millis(500);
/// How long an object may stay in use after what used it was removed.
const UNTIL_FREE: Duration = Duration::from_secs(30);

pub struct Engine {
    pub(crate) docker: Docker,
    /// Where the engine is, for messages.
    pub endpoint: String,
    /// How it was chosen and reached.
    target: Target,
    /// What ssh said, for an engine reached through ssh://.
    ssh_said: Option<std::sync::Arc<ssh::Said>>,
}

fn filters(pairs: &[(&str, String)]) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        m.entry(k.to_string()).or_default().push(v.clone());
    }
    m
}

fn label(k: &str, v: &str) -> (&'static str, String) {
    ("label", format!("{k}={v}"))
}

/// The filter for objects of a [`Kind`](crate::plan::labels::Kind).
fn kind(k: crate::plan::labels::Kind) -> (&'static str, String) {
    label(crate::plan::labels::KIND, k.as_str())
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
}

impl Engine {
    /// The error of `what` failing with the engine's error `e`, as it
    /// leaves the engine layer.
    fn err(&self, what: &str) -> impl Fn(bollard::errors::Error) -> Error + '_ {
        let what = what.to_string();
        move |e| error::Error::new(&what, e, &self.endpoint, self.ssh_said()).into()
    }
}

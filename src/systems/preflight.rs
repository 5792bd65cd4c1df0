//! What the preflights of the systems share ([`super::spark::preflight`],
//! [`super::yarn::preflight`]): asking a system's HTTP API before and while a
//! job is submitted ([`get`]), and keeping why the job waits ([`Explained`]).

use std::time::Duration;

use crate::error::{Error, Result};

/// A GET of an API answer (JSON asked for), within 10 s; an error says the
/// job was not submitted.
pub async fn get(client: &reqwest::Client, url: &str) -> Result<String> {
    let resp = client.get(url).header("Accept", "application/json").timeout(Duration::from_secs(10)).send().await.map_err(|e| {
        Error::help(format!("cannot ask {url}: {}", crate::http::root_cause(&e)), "check `bdprov status`; the job was not submitted")
    })?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(Error::help(format!("{url} answered HTTP {}", status.as_u16()), "check `bdprov status`; the job was not submitted"));
    }
    Ok(body)
}

/// What the watch of a job says about it, kept for the message it ends with.
#[derive(Default)]
pub struct Explained(std::sync::Mutex<Option<String>>);

impl Explained {
    pub fn set(&self, why: &str) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(why.to_string());
    }
    /// The last explanation given, if any.
    pub fn last(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

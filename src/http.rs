//! bdprov's HTTP client for the daemons' APIs (probes, `status` figures,
//! `submit`'s preflights, WebHDFS), what its errors come down to, and counts
//! read from the JSON they answer. Shared by `probe`, `ops` and `systems`.

use std::time::Duration;

use serde_json::Value;

/// The innermost cause: "connection refused" rather than "error sending request".
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let msg = cur.to_string();
    if msg.contains("Connection refused") || msg.contains("connection refused") {
        "not answering yet (connection refused)".into()
    } else if msg.contains("reset") || msg.contains("closed") {
        "not answering yet (connection closed)".into()
    } else {
        msg
    }
}

pub fn client() -> reqwest::Client {
    // A redirect is an answer, never followed: a standby ResourceManager
    // redirects to the active one's name, which only the overlay resolves;
    // bdprov asks the next member instead.
    reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// A count from JSON that may hold it as a number, a numeric string or a list.
pub fn as_count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
        Value::String(s) => s.parse().ok(),
        Value::Array(a) => Some(a.len() as u64),
        _ => None,
    }
}

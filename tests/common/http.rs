//! A small HTTP server for fixtures (std only). It stands in for daemons that
//! cannot run here (HDFS, YARN, the Storm UI): requests get scripted answers
//! in order (the last one repeats), and the server records what it was asked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Requests whose method is `method` and whose target (path and query)
/// contains `target` get `responses` in turn; the last one repeats.
pub struct Route {
    pub method: String,
    pub target: String,
    pub responses: Vec<(u16, String)>,
}

pub fn route(method: &str, target: &str, responses: &[(u16, &str)]) -> Route {
    Route {
        method: method.to_string(),
        target: target.to_string(),
        responses: responses.iter().map(|(c, b)| (*c, b.to_string())).collect(),
    }
}

#[derive(Default)]
struct State {
    routes: Vec<Route>,
    requests: Vec<String>,
}

pub struct Fixture {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Fixture {
    /// Serve `routes` on a free port of 127.0.0.1 until dropped.
    pub fn start(routes: Vec<Route>) -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let state = Arc::new(Mutex::new(State { routes, requests: Vec::new() }));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (Arc::clone(&state), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(conn) = conn {
                    answer(conn, &shared);
                }
            }
        });
        Fixture { port, state, stop, thread: Some(thread) }
    }

    /// Answer `method target` with `responses` from now on (replacing an
    /// earlier route for the same request).
    pub fn on(&self, method: &str, target: &str, responses: &[(u16, &str)]) {
        let mut st = self.state.lock().unwrap();
        st.routes.retain(|r| !(r.method == method && r.target == target));
        st.routes.push(route(method, target, responses));
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far: `GET /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The requests with this method.
    pub fn requests_with(&self, method: &str) -> Vec<String> {
        self.requests().into_iter().filter(|r| r.starts_with(&format!("{method} "))).collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(mut conn: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(conn.try_clone().expect("a clonable stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() || request_line.trim().is_empty() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (code, text) = {
        let mut st = state.lock().unwrap();
        st.requests.push(format!("{method} {target}"));
        match st.routes.iter_mut().find(|r| r.method == method && target.contains(&r.target)) {
            Some(r) if r.responses.len() > 1 => r.responses.remove(0),
            Some(r) => r.responses[0].clone(),
            // Shaped like both WebHDFS's and the Storm UI's error bodies.
            None => (
                404,
                format!(
                    r#"{{"RemoteException":{{"exception":"NotFoundException","message":"no fixture for {method} {target}"}},"error":"404 Not Found","errorMessage":"no fixture for {method} {target}"}}"#
                ),
            ),
        }
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {code} Fixture\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

//! A small HTTP server for tests: it answers requests with scripted
//! responses, in order, and records what it was asked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Requests whose method is `method` and whose target (path and query)
/// contains `target` get `responses` in turn; the last one repeats.
pub struct Route {
    pub method: &'static str,
    pub target: String,
    pub responses: Vec<(u16, String)>,
}

pub fn route(method: &'static str, target: &str, responses: &[(u16, &str)]) -> Route {
    Route { method, target: target.to_string(), responses: responses.iter().map(|(c, b)| (*c, b.to_string())).collect() }
}

pub struct Fixture {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Fixture {
    /// Serve `routes` on a free port of 127.0.0.1 until dropped.
    pub fn start(routes: Vec<Route>) -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopping) = (Arc::clone(&requests), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut routes = routes;
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(conn) = conn {
                    answer(conn, &mut routes, &seen);
                }
            }
        });
        Fixture { port, requests, stop, thread: Some(thread) }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far: `GET /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
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

fn answer(mut conn: TcpStream, routes: &mut [Route], seen: &Mutex<Vec<String>>) {
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
    seen.lock().unwrap().push(format!("{method} {target}"));
    let (code, text) = match routes.iter_mut().find(|r| r.method == method && target.contains(&r.target)) {
        Some(r) if r.responses.len() > 1 => r.responses.remove(0),
        Some(r) => r.responses[0].clone(),
        None => (404, r#"{"RemoteException":{"exception":"NotFoundException","message":"no fixture for this request"}}"#.to_string()),
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {code} Fixture\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

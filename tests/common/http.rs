//! A small HTTP server for fixtures (std only): canned answers per method
//! and path, given in order (the last one repeats), and a log of what was
//! asked. It stands in for daemons that cannot run here, such as the Storm UI.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub struct Fixture {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub port: u16,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    routes: Vec<Route>,
    log: Vec<String>,
}

struct Route {
    method: String,
    path: String,
    replies: VecDeque<(u16, String)>,
}

impl Fixture {
    /// Listen on a free port of 127.0.0.1; it serves until the test process ends.
    pub fn start() -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
        let port = listener.local_addr().expect("a bound address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                serve(conn, &shared);
            }
        });
        Fixture { base: format!("http://127.0.0.1:{port}"), port, state }
    }

    /// Answer `method path` (query ignored) with `replies` in turn; the
    /// last one repeats. Replaces earlier answers for the same request.
    pub fn on(&self, method: &str, path: &str, replies: &[(u16, &str)]) {
        let mut st = self.state.lock().unwrap();
        st.routes.retain(|r| !(r.method == method && r.path == path));
        let replies = replies.iter().map(|(s, b)| (*s, b.to_string())).collect();
        st.routes.push(Route { method: method.into(), path: path.into(), replies });
    }

    /// Every request so far, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }
}

fn serve(mut conn: TcpStream, state: &Mutex<State>) {
    let Ok(read_half) = conn.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("/"));
    let path = target.split('?').next().unwrap_or("/").to_string();
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let (status, reply) = {
        let mut st = state.lock().unwrap();
        st.log.push(format!("{method} {path}"));
        match st.routes.iter_mut().find(|r| r.method == method && r.path == path) {
            Some(r) if r.replies.len() > 1 => r.replies.pop_front().expect("two or more"),
            Some(r) => r.replies.front().cloned().unwrap_or((204, String::new())),
            None => (404, format!(r#"{{"error":"404 Not Found","errorMessage":"no fixture for {method} {path}"}}"#)),
        }
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        500 => "Server Error",
        _ => "Status",
    };
    let _ = write!(conn, "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}", reply.len());
}

//! Real webhook servers on loopback for the announcement tests: one that records every
//! request it is sent (and answers a status of the test's choice), one that accepts
//! connections and never answers, and a port where nothing listens (until a recorder is
//! started on it).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;

/// One request a recorder was sent.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// The `Idempotency-Key` header.
    pub key: Option<String>,
    pub body: serde_json::Value,
}

impl Received {
    /// The Slack fallback `text`, or the JSON body's `title`.
    pub fn title(&self) -> String {
        self.body["title"]
            .as_str()
            .or_else(|| self.body["text"].as_str())
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Clone)]
struct Recorder {
    received: Arc<Mutex<Vec<Received>>>,
    status: StatusCode,
}

/// A running recorder: its address and what it was sent, in arrival order.
pub struct Hook {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Hook {
    pub fn url(&self) -> String {
        format!("http://{}/hook/T000/B000/s3cr3t-path", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn keys(&self) -> Vec<String> {
        self.received().into_iter().filter_map(|r| r.key).collect()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A recorder answering 200 "ok", on a free port.
pub async fn recorder() -> Hook {
    answering(StatusCode::OK).await
}

/// A recorder answering `status` to everything (it records all the same).
pub async fn answering(status: StatusCode) -> Hook {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    serve(listener, status)
}

/// A recorder answering 200 on `addr` (a port reserved with [`free_port`]).
pub async fn recorder_on(addr: SocketAddr) -> Hook {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    serve(listener, StatusCode::OK)
}

fn serve(listener: tokio::net::TcpListener, status: StatusCode) -> Hook {
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let received = Arc::new(Mutex::new(Vec::new()));
    let state = Recorder {
        received: received.clone(),
        status,
    };
    let app = Router::new()
        .route("/{*path}", post(record))
        .with_state(state);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Hook {
        addr,
        received,
        server,
    }
}

async fn record(
    State(r): State<Recorder>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let received = Received {
        path: uri.path().to_string(),
        key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    };
    r.received
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(received);
    let text = if r.status.is_success() { "ok" } else { "boom" };
    (r.status, text)
}

/// A server that accepts every connection and never answers (until dropped).
pub struct Hang {
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Hang {
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }
}

impl Drop for Hang {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub async fn hanging() -> Hang {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket); // read nothing, answer nothing, keep it open
        }
    });
    Hang { addr, server }
}

/// A loopback port where nothing listens now (bound, then released).
pub fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    l.local_addr().unwrap_or_else(|e| panic!("addr: {e}"))
}

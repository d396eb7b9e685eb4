//! `warroom run --listen ADDR`: serves the drill over HTTP and WebSocket.
//!
//! - `GET /ws`: the live stream (a `hello` snapshot, then every update in order); DRIs send
//!   commands on it, observers cannot.
//! - `GET /api/state`: the current state as JSON. `GET /metrics`: Prometheus text.
//! - `GET /report[?format=html|md|json]`: the drill report of the running drill.
//! - `GET /healthz`: `ok` while the server runs.
//!
//! A token travels as `Authorization: Bearer TOKEN` or `?token=TOKEN`. Every connection is
//! on its own: a malformed, oversized or silent client is closed and nothing else notices;
//! a slow one is sent a fresh snapshot instead of stalling anyone.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc, watch, Semaphore};

use super::frame::{
    self, ClientFrame, FrameError, Identity, Outcome, Refusal, RunbookText, ServerFrame,
};
use super::metrics;
use super::mirror::Mirror;
use super::tokens::{AuthError, Tokens};
use crate::drill::telemetry::presence::{Presence, RemoteClient};
use crate::drill::telemetry::Telemetry;
use crate::drill::{
    Actor, Clock, Command, FailureKind, HubFailure, Rejection, RejectionKind, ReplyError,
};
use crate::hub::HubHandle;

/// How the server tells a live client from a gone one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How often the server pings each client.
    pub ping_every: Duration,
    /// A client silent this long (not even a pong) is taken for gone: a half-open
    /// connection (a cut cable, a suspended laptop).
    pub silent_limit: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            ping_every: Duration::from_secs(10),
            silent_limit: Duration::from_secs(30),
        }
    }
}
/// A write that cannot go out this long means the client stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Commands one connection may have waiting for the hub at once.
const COMMANDS_IN_FLIGHT: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source} (is another drill serving there? pick another port with --listen)")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("the drill hub has stopped")]
    Hub(#[from] crate::hub::HubError),
}

struct Shared {
    hub: HubHandle,
    mirror: Mirror,
    tokens: Tokens,
    clock: Arc<dyn Clock>,
    clients: Mutex<Clients>,
    /// Bumped on every connect and leave; a task publishes presence at most once a second.
    presence_changed: watch::Sender<u64>,
    next_id: AtomicU64,
    /// Turns true when the server stops: every connection says goodbye and closes.
    stopping: watch::Receiver<bool>,
    timeouts: Timeouts,
}

/// A running server.
pub struct Served {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Served {
    /// The address to give clients (`ws://host:port`).
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.task.abort();
    }
}

/// Binds `addr` and serves the drill until the returned value is dropped.
pub async fn serve(
    addr: &str,
    hub: &HubHandle,
    runbook: RunbookText,
    tokens: Tokens,
    clock: Arc<dyn Clock>,
) -> Result<Served, ServeError> {
    serve_with(addr, hub, runbook, tokens, clock, Timeouts::default()).await
}

/// [`serve`] with other timeouts (tests use short ones).
pub async fn serve_with(
    addr: &str,
    hub: &HubHandle,
    runbook: RunbookText,
    tokens: Tokens,
    clock: Arc<dyn Clock>,
    timeouts: Timeouts,
) -> Result<Served, ServeError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    let local = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let mirror = Mirror::start(hub, runbook, clock.clone()).await?;
    let (stop, stopping) = watch::channel(false);
    let shared = Arc::new(Shared {
        hub: hub.clone(),
        mirror,
        tokens,
        clock,
        clients: Mutex::new(Clients::default()),
        presence_changed: watch::channel(0).0,
        next_id: AtomicU64::new(1),
        stopping,
        timeouts,
    });
    tokio::spawn(publish_presence(
        Arc::downgrade(&shared),
        shared.presence_changed.subscribe(),
    ));
    let app = Router::new()
        .route("/ws", get(ws))
        .route("/api/state", get(api_state))
        .route("/report", get(live_report))
        .route("/metrics", get(prometheus))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(shared);
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::error!(error = %e, "network server stopped");
        }
    });
    tracing::info!(addr = %local, "serving the drill");
    Ok(Served {
        addr: local,
        task,
        stop,
    })
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn presented<'a>(headers: &'a HeaderMap, query: &'a TokenQuery) -> Option<&'a str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .or(query.token.as_deref())
}

fn refuse(e: &AuthError) -> Response {
    (StatusCode::UNAUTHORIZED, format!("{e}\n")).into_response()
}

async fn ws(
    upgrade: WebSocketUpgrade,
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    let who = match shared.tokens.authenticate(presented(&headers, &query)) {
        Ok(who) => who,
        Err(e) => {
            tracing::warn!(%peer, error = %e, "connection refused");
            return refuse(&e);
        }
    };
    upgrade
        .max_message_size(frame::MAX_CLIENT_FRAME)
        .max_frame_size(frame::MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| async move {
            let id = shared.connected(&who, peer);
            tracing::info!(%peer, who = %who.label(), role = ?who.role, "console connected");
            let why = connection(socket, &shared, &who, peer).await;
            tracing::info!(%peer, who = %who.label(), %why, "console disconnected");
            shared.disconnected(id);
        })
}

/// The read-only endpoints take the same tokens as the stream's observers: the refusal,
/// if any.
fn refused_reader(shared: &Shared, headers: &HeaderMap, query: &TokenQuery) -> Option<Response> {
    shared
        .tokens
        .authenticate(presented(headers, query))
        .err()
        .map(|e| refuse(&e))
}

#[derive(Deserialize)]
struct ReportQuery {
    token: Option<String>,
    /// `html` (the default), `md` or `json`.
    format: Option<String>,
}

/// `GET /report`: the drill report of the running drill, read from its journal (read-only,
/// beside the hub that writes it), under the same token rule as `/api/state`.
async fn live_report(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    let token = TokenQuery {
        token: query.token.clone(),
    };
    if let Some(refused) = refused_reader(&shared, &headers, &token) {
        return refused;
    }
    let report = match crate::report::load(shared.hub.journal_path(), shared.clock.now()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "live report failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the report could not be made: {e}\n"),
            )
                .into_response();
        }
    };
    let (body, kind) = match query.format.as_deref().unwrap_or("html") {
        "html" => (
            crate::report::html::render(&report),
            "text/html; charset=utf-8",
        ),
        "md" => (
            crate::report::markdown::render(&report),
            "text/markdown; charset=utf-8",
        ),
        "json" => match crate::report::json::render(&report) {
            Ok(text) => (text, "application/json"),
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        },
        other => {
            return (
                StatusCode::BAD_REQUEST,
                format!("unknown report format `{other}`: use html, md or json\n"),
            )
                .into_response()
        }
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

async fn api_state(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Some(refused) = refused_reader(&shared, &headers, &query) {
        return refused;
    }
    let body = shared.mirror.read(|s| {
        serde_json::json!({
            "drill": s.drill.runbook().meta.name,
            "seq": s.seq,
            "at": s.now,
            "state": s.drill.state(),
            "telemetry": s.telemetry,
            "clients": s.presence,
        })
    });
    Json(body).into_response()
}

async fn prometheus(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Some(refused) = refused_reader(&shared, &headers, &query) {
        return refused;
    }
    let text = shared.mirror.read(metrics::render);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Who is connected: people by connection id, and a count of anonymous observers.
#[derive(Default)]
struct Clients {
    people: BTreeMap<u64, RemoteClient>,
    anonymous: usize,
}

/// How often presence may be published: a storm of connections makes one message a second,
/// not one per connection to every connection.
const PRESENCE_EVERY: Duration = Duration::from_secs(1);

async fn publish_presence(shared: std::sync::Weak<Shared>, mut changed: watch::Receiver<u64>) {
    while changed.changed().await.is_ok() {
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let presence = {
            let clients = shared
                .clients
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Presence {
                people: clients.people.values().cloned().collect(),
                anonymous_observers: clients.anonymous,
            }
        };
        shared.hub.publish(Telemetry::Presence(presence));
        drop(shared);
        tokio::time::sleep(PRESENCE_EVERY).await;
    }
}

impl Shared {
    /// Counts a new connection in; returns its id (for [`Shared::disconnected`]).
    fn connected(&self, who: &Identity, peer: SocketAddr) -> Option<u64> {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let id = if let Some(handle) = &who.handle {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            clients.people.insert(
                id,
                RemoteClient {
                    handle: handle.clone(),
                    role: who.role,
                    since: self.clock.now(),
                    peer: peer.to_string(),
                },
            );
            Some(id)
        } else {
            clients.anonymous += 1;
            None
        };
        drop(clients);
        self.presence_changed.send_modify(|v| *v += 1);
        id
    }

    fn disconnected(&self, id: Option<u64>) {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match id {
            Some(id) => {
                clients.people.remove(&id);
            }
            None => clients.anonymous = clients.anonymous.saturating_sub(1),
        }
        drop(clients);
        self.presence_changed.send_modify(|v| *v += 1);
    }
}

/// Why a connection ended, for the log.
type Ended = String;

/// Serves one console until it leaves or misbehaves.
async fn connection(
    mut socket: WebSocket,
    shared: &Arc<Shared>,
    who: &Identity,
    peer: SocketAddr,
) -> Ended {
    let joined = shared.mirror.join(who.clone());
    let mut frames = joined.frames;
    if let Err(e) = send(&mut socket, joined.hello.into()).await {
        return e;
    }
    let (reply_tx, mut replies) = mpsc::channel::<ServerFrame>(COMMANDS_IN_FLIGHT);
    let in_flight = Arc::new(Semaphore::new(COMMANDS_IN_FLIGHT));
    let mut ping = tokio::time::interval(shared.timeouts.ping_every);
    ping.tick().await;
    let mut last_heard = tokio::time::Instant::now();
    let mut stopping = shared.stopping.clone();
    loop {
        let silent = tokio::time::sleep_until(last_heard + shared.timeouts.silent_limit);
        tokio::select! {
            relayed = frames.recv() => match relayed {
                Ok(r) => {
                    if let Err(e) = send(&mut socket, r.text).await {
                        return e;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(%peer, missed, "client fell behind: sending a fresh snapshot");
                    let again = shared.mirror.join(who.clone());
                    frames = again.frames;
                    if let Err(e) = send(&mut socket, again.hello.into()).await {
                        return e;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => {
                    close(&mut socket, 1001, "the drill is over").await;
                    return "server shutting down".into();
                }
            },
            Some(reply) = replies.recv() => {
                if let Err(e) = send(&mut socket, frame::encode(&reply).into()).await {
                    return e;
                }
            }
            incoming = socket.recv() => {
                last_heard = tokio::time::Instant::now();
                let message = match incoming {
                    None => return "closed by the client".into(),
                    Some(Err(e)) => match refused_by_the_protocol(&e) {
                        Some(bad) => return refuse_frame(&mut socket, peer, bad).await,
                        None => return format!("read failed: {e}"),
                    },
                    Some(Ok(m)) => m,
                };
                let bytes = match &message {
                    Message::Text(t) => t.as_bytes(),
                    Message::Binary(b) => b.as_ref(),
                    Message::Ping(_) | Message::Pong(_) => continue,
                    Message::Close(_) => return "closed by the client".into(),
                };
                let decoded = frame::decode_client(bytes);
                match decoded {
                    Err(bad) => return refuse_frame(&mut socket, peer, bad).await,
                    Ok(ClientFrame::Resync) => {
                        let again = shared.mirror.join(who.clone());
                        frames = again.frames;
                        if let Err(e) = send(&mut socket, again.hello.into()).await {
                            return e;
                        }
                    }
                    Ok(ClientFrame::Command { id, command }) => {
                        let outcome = if who.may_send() {
                            match in_flight.clone().try_acquire_owned() {
                                Err(_) => Some(refused(HubFailure::new(
                                    FailureKind::Busy,
                                    "too many commands waiting: wait for the answers",
                                ))),
                                Ok(permit) => {
                                    let sink = shared.hub.sink();
                                    let by = Actor::Person(who.label());
                                    let tx = reply_tx.clone();
                                    tokio::spawn(async move {
                                        let outcome = match sink.send(Command { by, kind: command }).await {
                                            Ok(events) => Outcome::Done(events),
                                            Err(e) => refused(e),
                                        };
                                        let _ = tx.send(ServerFrame::Reply { id, outcome }).await;
                                        drop(permit);
                                    });
                                    None
                                }
                            }
                        } else {
                            tracing::warn!(%peer, who = %who.label(), ?command, "an observer tried to send a command: refused");
                            Some(refused(Rejection::new(
                                RejectionKind::NotAllowed,
                                "this is a read-only observer connection: it cannot change the drill",
                            )))
                        };
                        if let Some(outcome) = outcome {
                            let reply = frame::encode(&ServerFrame::Reply { id, outcome });
                            if let Err(e) = send(&mut socket, reply.into()).await {
                                return e;
                            }
                        }
                    }
                }
            }
            _ = ping.tick() => {
                if let Err(e) = send_message(&mut socket, Message::Ping(axum::body::Bytes::new())).await {
                    return e;
                }
            }
            // The only change ever sent is "stop"; a dropped sender means the same.
            _ = stopping.changed() => {
                close(&mut socket, 1012, "the coordinator stopped serving").await;
                return "server stopped".into();
            }
            () = silent => {
                close(&mut socket, 1001, "no answer to pings").await;
                return "silent: taken for a half-open connection".into();
            }
        }
    }
}

/// A reply's outcome for a command the hub (or this server) did not record.
fn refused(why: impl Into<ReplyError>) -> Outcome {
    Outcome::Refused(Refusal(why.into()))
}

/// Closes the connection of a client that sent a frame we refuse, with the close code that
/// says why. Every bad frame is logged the same way, whether our decoder or the WebSocket
/// layer (size limit, text that is not UTF-8) found it.
async fn refuse_frame(socket: &mut WebSocket, peer: SocketAddr, bad: FrameError) -> Ended {
    tracing::warn!(%peer, error = %bad, "bad frame: closing that connection");
    close(socket, bad.close_code(), bad.close_reason()).await;
    format!("bad frame: {bad}")
}

/// The frame error behind a read error of the WebSocket layer, when it refused what the
/// client sent (over the size limit, a text frame that is not UTF-8) rather than failed.
fn refused_by_the_protocol(e: &axum::Error) -> Option<FrameError> {
    use tokio_tungstenite::tungstenite::error::{CapacityError, Error};
    let inner = std::error::Error::source(e)?.downcast_ref::<Error>()?;
    match inner {
        Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            Some(FrameError::TooLarge(*size, *max_size))
        }
        Error::Utf8(_) => Some(FrameError::NotText),
        _ => None,
    }
}

async fn send(socket: &mut WebSocket, text: axum::extract::ws::Utf8Bytes) -> Result<(), Ended> {
    send_message(socket, Message::Text(text)).await
}

async fn send_message(socket: &mut WebSocket, message: Message) -> Result<(), Ended> {
    match tokio::time::timeout(WRITE_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("write failed: {e}")),
        Err(_) => Err("the client stopped reading: closed".into()),
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        socket.send(Message::Close(Some(frame))),
    )
    .await;
}

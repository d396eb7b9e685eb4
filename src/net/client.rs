//! The client side of `observe` and `join`: connects to a served drill, turns its frames
//! into the same update stream the local console reads, forwards a DRI's commands, and keeps
//! the link up: after a network cut or a coordinator restart it reconnects with backoff and
//! starts again from a fresh snapshot.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};

use super::frame::{self, ClientFrame, Identity, Outcome, ServerFrame};
use crate::drill::telemetry::Telemetry;
use crate::drill::{
    Clock, CommandReply, CommandRequest, CommandSink, Event, FailureKind, HubFailure, LinkState,
    Update,
};
use crate::runbook::{self, Runbook};

/// Updates a console may fall behind before it resyncs from a snapshot.
const CONSOLE_BUFFER: usize = 1024;
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("`{0}` is not a drill address: give ws://HOST:PORT (as printed by the coordinator's invites)")]
    BadUrl(String),
    #[error("cannot reach the drill at {url}: {why} (is the coordinator running with --listen?)")]
    Unreachable { url: String, why: String },
    #[error("the drill at {url} refused this connection: {why}")]
    Refused { url: String, why: String },
    #[error("the drill at {url} sent something that is not a warroom drill: {why}")]
    Protocol { url: String, why: String },
    #[error("the runbook the drill sent does not parse here: {0}")]
    Runbook(String),
}

/// A connected remote drill, ready for the console.
pub struct Remote {
    pub runbook: Arc<Runbook>,
    pub you: Identity,
    pub events: Vec<Event>,
    /// Starts with the latest readings, then the live stream.
    pub updates: broadcast::Receiver<Update>,
    /// `Some` when this connection may send commands (a DRI's `join`).
    pub sink: Option<CommandSink>,
    pub link: watch::Receiver<LinkState>,
}

/// `ws://host:port/ws` from what a person types: `ws://host:port`, `host:port`,
/// `http://host:port`.
pub fn ws_url(given: &str) -> Result<String, ClientError> {
    let given = given.trim();
    let rest = given
        .strip_prefix("ws://")
        .or_else(|| given.strip_prefix("http://"))
        .unwrap_or(given);
    if rest.is_empty() || rest.contains("://") || rest.starts_with('/') {
        return Err(ClientError::BadUrl(given.into()));
    }
    let (host, path) = match rest.split_once('/') {
        Some((h, p)) => (h, p),
        None => (rest, ""),
    };
    if host.is_empty() || !host.contains(':') {
        return Err(ClientError::BadUrl(given.into()));
    }
    let path = if path.is_empty() { "ws" } else { path };
    Ok(format!("ws://{host}/{path}"))
}

async fn open(url: &str, token: Option<&str>) -> Result<Socket, ClientError> {
    let mut request = url
        .into_client_request()
        .map_err(|_| ClientError::BadUrl(url.into()))?;
    if let Some(token) = token {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::Refused {
                url: url.into(),
                why: "the token has characters a header cannot carry".into(),
            })?;
        request
            .headers_mut()
            .insert(tungstenite::http::header::AUTHORIZATION, value);
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(frame::MAX_SERVER_FRAME))
        .max_frame_size(Some(frame::MAX_SERVER_FRAME));
    match tokio_tungstenite::connect_async_with_config(request, Some(config), true).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).trim().to_string())
                .unwrap_or_default();
            Err(ClientError::Refused {
                url: url.into(),
                why: format!("{} {body}", response.status()),
            })
        }
        Err(e) => Err(ClientError::Unreachable {
            url: url.into(),
            why: e.to_string(),
        }),
    }
}

/// Waits for the `hello` that opens every connection.
async fn hello(
    socket: &mut Socket,
    url: &str,
) -> Result<
    (
        u64,
        Identity,
        frame::RunbookText,
        Vec<Event>,
        Vec<Telemetry>,
    ),
    ClientError,
> {
    let protocol = |why: String| ClientError::Protocol {
        url: url.into(),
        why,
    };
    let first = tokio::time::timeout(Duration::from_secs(30), socket.next())
        .await
        .map_err(|_| protocol("no snapshot within 30 s".into()))?;
    let message = match first {
        Some(Ok(m)) => m,
        Some(Err(e)) => return Err(protocol(e.to_string())),
        None => return Err(protocol("closed before the snapshot".into())),
    };
    let bytes = match &message {
        Message::Text(t) => t.as_bytes(),
        Message::Binary(b) => b.as_ref(),
        other => return Err(protocol(format!("unexpected {other:?}"))),
    };
    match frame::decode_server(bytes).map_err(|e| protocol(e.to_string()))? {
        ServerFrame::Hello {
            seq,
            you,
            runbook,
            events,
            telemetry,
            ..
        } => Ok((seq, you, runbook, events, telemetry)),
        _ => Err(protocol("the first frame was not a snapshot".into())),
    }
}

/// Connects (failing fast when the first attempt fails, so a typo is told at once), then
/// keeps the link up in the background.
pub async fn connect(
    given_url: &str,
    token: Option<String>,
    clock: Arc<dyn Clock>,
) -> Result<Remote, ClientError> {
    let url = ws_url(given_url)?;
    let mut socket = open(&url, token.as_deref()).await?;
    let (seq, you, text, events, telemetry) = hello(&mut socket, &url).await?;
    let parsed = runbook::parse_str(&text.file, &text.text).map_err(|diagnostics| {
        ClientError::Runbook(
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let (updates_tx, updates) = broadcast::channel(CONSOLE_BUFFER);
    // The latest readings reach the console first, like the local console's.
    for t in &telemetry {
        let _ = updates_tx.send(Update::Telemetry(t.clone()));
    }
    let (link_tx, link) = watch::channel(LinkState {
        ok: true,
        text: format!("● live {url}"),
    });
    let (sink, commands) = if you.may_send() {
        let (sink, rx) = CommandSink::channel(16);
        (Some(sink), Some(rx))
    } else {
        (None, None)
    };
    let link_task = Link {
        url,
        token,
        updates: updates_tx,
        link: link_tx,
        clock,
        next_id: 1,
        pending: HashMap::new(),
        reconnected_at: None,
    };
    tokio::spawn(link_task.run(socket, seq, commands));
    Ok(Remote {
        runbook: Arc::new(parsed.runbook),
        you,
        events,
        updates,
        sink,
        link,
    })
}

// `link` is the link's state as the console shows it; renaming it would not read better.
#[allow(clippy::struct_field_names)]
struct Link {
    url: String,
    token: Option<String>,
    updates: broadcast::Sender<Update>,
    link: watch::Sender<LinkState>,
    clock: Arc<dyn Clock>,
    next_id: u64,
    pending: HashMap<u64, oneshot::Sender<CommandReply>>,
    /// When the link last came back, shown beside the lag so a cut is not forgotten.
    reconnected_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Why one connection ended.
enum Cut {
    /// The console went away: stop.
    ConsoleGone,
    /// The link broke: reconnect.
    Lost(String),
}

impl Link {
    fn live_text(&self, lag_ms: Option<i64>) -> String {
        let mut text = format!("● live {}", self.url);
        if let Some(lag) = lag_ms {
            text.push_str(&format!(" · lag {lag} ms"));
        }
        if let Some(at) = self.reconnected_at {
            text.push_str(&format!(" · reconnected {}", at.format("%H:%M:%S")));
        }
        text
    }

    fn set(&self, ok: bool, text: String) {
        let _ = self.link.send(LinkState { ok, text });
    }

    async fn run(
        mut self,
        mut socket: Socket,
        mut seq: u64,
        mut commands: Option<mpsc::Receiver<CommandRequest>>,
    ) {
        let mut attempt: u32 = 0;
        loop {
            match self.serve(&mut socket, &mut seq, &mut commands).await {
                Cut::ConsoleGone => return,
                Cut::Lost(why) => {
                    tracing::warn!(url = %self.url, %why, "link to the drill lost");
                    for (_, reply) in self.pending.drain() {
                        let _ = reply.send(Err(HubFailure::new(
                            FailureKind::LinkLost,
                            format!("the link broke before the answer came ({why}): look at the timeline to see whether it was recorded"),
                        ).into()));
                    }
                    // Reconnect with backoff until it works or the console quits.
                    socket = loop {
                        let wait = BACKOFF_FIRST
                            .saturating_mul(2u32.saturating_pow(attempt.min(8)))
                            .min(BACKOFF_MAX);
                        attempt += 1;
                        self.set(
                            false,
                            format!(
                                "✗ link down ({why}); retry {attempt} in {:.1} s",
                                wait.as_secs_f64()
                            ),
                        );
                        if self.wait_refusing(wait, &mut commands).await {
                            return;
                        }
                        match open(&self.url, self.token.as_deref()).await {
                            Ok(mut s) => match hello(&mut s, &self.url).await {
                                Ok((s_seq, _, _, events, telemetry)) => {
                                    seq = s_seq;
                                    self.restart(events, telemetry);
                                    break s;
                                }
                                Err(e) => tracing::warn!(error = %e, "reconnect failed"),
                            },
                            Err(e) => tracing::info!(error = %e, "reconnect failed"),
                        }
                    };
                    attempt = 0;
                    self.reconnected_at = Some(self.clock.now());
                    self.set(true, self.live_text(None));
                }
            }
        }
    }

    /// A fresh start after a snapshot: the console rebuilds from it.
    fn restart(&self, events: Vec<Event>, telemetry: Vec<Telemetry>) {
        let _ = self.updates.send(Update::Snapshot { events });
        for t in telemetry {
            let _ = self.updates.send(Update::Telemetry(t));
        }
    }

    /// Sleeps `wait`, answering commands with "not connected". True when the console quit.
    async fn wait_refusing(
        &mut self,
        wait: Duration,
        commands: &mut Option<mpsc::Receiver<CommandRequest>>,
    ) -> bool {
        let deadline = tokio::time::sleep(wait);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => return self.updates.receiver_count() == 0,
                request = recv_command(commands) => match request {
                    Some(r) => {
                        let _ = r.reply.send(Err(HubFailure::new(
                            FailureKind::NotConnected,
                            "not connected to the drill: wait until the header says live",
                        ).into()));
                    }
                    None => return true,
                },
            }
        }
    }

    /// Relays one connection until it breaks.
    async fn serve(
        &mut self,
        socket: &mut Socket,
        seq: &mut u64,
        commands: &mut Option<mpsc::Receiver<CommandRequest>>,
    ) -> Cut {
        let mut resyncing = false;
        let mut heartbeat = tokio::time::interval(Duration::from_secs(1));
        let mut last_heard = tokio::time::Instant::now();
        loop {
            tokio::select! {
                incoming = socket.next() => {
                    last_heard = tokio::time::Instant::now();
                    let message = match incoming {
                        None => return Cut::Lost("closed by the server".into()),
                        Some(Err(e)) => return Cut::Lost(e.to_string()),
                        Some(Ok(m)) => m,
                    };
                    let bytes = match &message {
                        Message::Text(t) => t.as_bytes(),
                        Message::Binary(b) => b.as_ref(),
                        Message::Close(c) => {
                            let why = c.as_ref().map_or("closed by the server".to_string(), |c| c.reason.to_string());
                            return Cut::Lost(why);
                        }
                        _ => continue,
                    };
                    let frame = match frame::decode_server(bytes) {
                        Ok(f) => f,
                        Err(e) => return Cut::Lost(format!("bad frame from the server: {e}")),
                    };
                    match frame {
                        ServerFrame::Hello { seq: s, events, telemetry, .. } => {
                            *seq = s;
                            resyncing = false;
                            self.restart(events, telemetry);
                        }
                        ServerFrame::Update { seq: s, at, update } => {
                            if resyncing {
                                continue;
                            }
                            if s != *seq + 1 {
                                tracing::warn!(expected = *seq + 1, got = s, "gap in the stream: asking for a snapshot");
                                resyncing = true;
                                let resync = frame::encode(&ClientFrame::Resync);
                                if let Err(e) = socket.send(Message::Text(resync.into())).await {
                                    return Cut::Lost(e.to_string());
                                }
                                continue;
                            }
                            *seq = s;
                            let lag = (self.clock.now() - at).num_milliseconds().max(0);
                            self.set(true, self.live_text(Some(lag)));
                            if self.updates.send(update).is_err() {
                                return Cut::ConsoleGone;
                            }
                        }
                        ServerFrame::Reply { id, outcome } => {
                            if let Some(reply) = self.pending.remove(&id) {
                                let _ = reply.send(match outcome {
                                    Outcome::Done(events) => Ok(events),
                                    Outcome::Refused(why) => Err(why.0),
                                });
                            }
                        }
                    }
                }
                request = recv_command(commands) => {
                    let Some(request) = request else { return Cut::ConsoleGone };
                    let id = self.next_id;
                    self.next_id += 1;
                    let text = frame::encode(&ClientFrame::Command { id, command: request.command.kind });
                    self.pending.insert(id, request.reply);
                    if let Err(e) = socket.send(Message::Text(text.into())).await {
                        return Cut::Lost(e.to_string());
                    }
                }
                _ = heartbeat.tick() => {
                    if self.updates.receiver_count() == 0 {
                        let _ = socket.close(None).await;
                        return Cut::ConsoleGone;
                    }
                    // The server pings every 10 s; silence for 30 s means the link is dead
                    // even if TCP has not noticed (a cut cable, a suspended laptop).
                    if last_heard.elapsed() > Duration::from_secs(30) {
                        return Cut::Lost("no word from the server for 30 s".into());
                    }
                }
            }
        }
    }
}

/// The next command, or never when this console cannot send any.
async fn recv_command(
    commands: &mut Option<mpsc::Receiver<CommandRequest>>,
) -> Option<CommandRequest> {
    match commands {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type_become_stream_urls() {
        assert_eq!(
            ws_url("ws://127.0.0.1:7300").ok().as_deref(),
            Some("ws://127.0.0.1:7300/ws")
        );
        assert_eq!(
            ws_url("db-host:7300").ok().as_deref(),
            Some("ws://db-host:7300/ws")
        );
        assert_eq!(ws_url("http://h:1/ws").ok().as_deref(), Some("ws://h:1/ws"));
        assert!(ws_url("https://h").is_err());
        assert!(ws_url("h").is_err());
    }
}

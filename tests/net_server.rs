#![allow(clippy::unwrap_used)]
//! The drill served over the network, in process against real sockets: a real hub and
//! journal, the real server, WebSocket clients and HTTP requests on loopback.
//! Covers: snapshot then ordered updates, a DRI's sign-off reaching an observer, observer
//! commands refused, tokens (wrong, missing), oversized and garbage frames, a client that
//! never reads, resync, `/api/state`, `/healthz` and `/metrics` (checked by `promtool` when
//! it is installed).

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use warroom::drill::{
    Actor, Clock, Command, CommandKind, RejectionKind, ReplyError, SinkError, SystemClock, Target,
    Update,
};
use warroom::journal::Journal;
use warroom::net::frame::{self, ClientFrame, Outcome, Refusal, ServerFrame};
use warroom::net::{self, ObserverPolicy, RunbookText, Served, Tokens};

const RUNBOOK: &str = r#"
[runbook]
name = "net test"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"
[people.sam]
name = "Sam"
role = "SRE"
[people.val]
name = "Val"
role = "observer"

[[phase]]
name = "only"

[[phase.step]]
id = "announce"
title = "Announce"
dri = "dana"
reviewer = "sam"
planned = "1m"

[[phase.step]]
id = "second"
title = "Second"
dri = "sam"
reviewer = "dana"
planned = "1m"
"#;

const WAIT: Duration = Duration::from_secs(10);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Drill {
    dir: tempfile::TempDir,
    hub: warroom::hub::HubHandle,
    served: Served,
    tokens: Tokens,
}

async fn serve(policy: ObserverPolicy) -> Drill {
    let dir = tempfile::tempdir().unwrap();
    let runbook = Arc::new(
        warroom::runbook::parse_str("net.toml", RUNBOOK)
            .unwrap()
            .runbook,
    );
    let journal_path = dir.path().join("j.db");
    let journal = Journal::create(&journal_path, &runbook).await.unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let hub = warroom::hub::spawn(runbook.clone(), journal, Vec::new(), clock.clone());
    let tokens =
        Tokens::load_or_create(&runbook, &net::tokens::file_for(&journal_path), policy).unwrap();
    let text = RunbookText {
        file: "net.toml".into(),
        text: RUNBOOK.into(),
    };
    let served = net::serve("127.0.0.1:0", &hub, text, tokens.clone(), clock)
        .await
        .unwrap();
    Drill {
        dir,
        hub,
        served,
        tokens,
    }
}

impl Drill {
    fn url(&self) -> String {
        format!("{}/ws", self.served.url())
    }

    fn http(&self, path: &str) -> String {
        format!("http://{}{path}", self.served.addr)
    }

    async fn connect(&self, token: Option<&str>) -> Result<Socket, String> {
        let mut request = self.url().into_client_request().unwrap();
        if let Some(t) = token {
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((s, _)) => Ok(s),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn act(&self, by: &str, kind: CommandKind) {
        self.hub
            .sink()
            .send(Command {
                by: Actor::Person(by.into()),
                kind,
            })
            .await
            .unwrap();
    }
}

/// The next frame from the server, skipping pings.
async fn next(socket: &mut Socket) -> ServerFrame {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a frame in time")
            .expect("the stream is open")
            .expect("a readable frame");
        match message {
            Message::Text(t) => return frame::decode_server(t.as_bytes()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Frames until one satisfies `pred` (telemetry such as presence comes and goes between).
async fn until(socket: &mut Socket, pred: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
    loop {
        let f = next(socket).await;
        if pred(&f) {
            return f;
        }
    }
}

fn is_event(f: &ServerFrame, what: &str) -> bool {
    matches!(f, ServerFrame::Update { update: Update::Event(e), .. } if format!("{:?}", e.kind).contains(what))
}

async fn send(socket: &mut Socket, frame: &ClientFrame) {
    socket
        .send(Message::Text(frame::encode(frame).into()))
        .await
        .unwrap();
}

fn start(step: &str) -> CommandKind {
    CommandKind::Start {
        target: Target::Step(step.into()),
    }
}

/// Whether the connection was closed by the server (a close frame, or the stream ending).
async fn closed(socket: &mut Socket) -> bool {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_) | Ok(Message::Close(_)))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// The code of the close frame the server sends, skipping other frames; `None` when the
/// connection ends without one.
async fn close_code(socket: &mut Socket) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) | Ok(None | Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
        }
    }
}

#[tokio::test]
async fn a_dri_signs_off_and_the_observer_sees_it_in_order() {
    let d = serve(ObserverPolicy::Open).await;
    d.act("casey", start("announce")).await;

    let mut observer = d.connect(None).await.unwrap();
    let ServerFrame::Hello {
        seq, you, events, ..
    } = next(&mut observer).await
    else {
        panic!("the first frame must be a snapshot")
    };
    assert_eq!(you.role, warroom::drill::Role::Observer);
    assert!(
        events
            .iter()
            .any(|e| format!("{:?}", e.kind).contains("Started")),
        "the snapshot holds the events so far: {events:?}"
    );

    let dana = d.tokens.token_of("dana").unwrap().to_string();
    let mut dri = d.connect(Some(&dana)).await.unwrap();
    let ServerFrame::Hello { you, .. } = next(&mut dri).await else {
        panic!("snapshot")
    };
    assert_eq!(you.handle.as_deref(), Some("dana"));
    send(
        &mut dri,
        &ClientFrame::Command {
            id: 1,
            command: CommandKind::Done {
                target: Target::Step("announce".into()),
            },
        },
    )
    .await;
    let reply = until(&mut dri, |f| matches!(f, ServerFrame::Reply { .. })).await;
    match reply {
        ServerFrame::Reply {
            id: 1,
            outcome: Outcome::Done(events),
        } => assert_eq!(
            events[0].by,
            Actor::Person("dana".into()),
            "the server sets who"
        ),
        other => panic!("{other:?}"),
    }
    // A DRI may not do the coordinator's work: the hub refuses with a reason.
    send(
        &mut dri,
        &ClientFrame::Command {
            id: 2,
            command: CommandKind::CallRollback {
                from: "announce".into(),
                reason: "x".into(),
            },
        },
    )
    .await;
    match until(&mut dri, |f| matches!(f, ServerFrame::Reply { .. })).await {
        ServerFrame::Reply {
            id: 2,
            outcome: Outcome::Refused(why),
        } => assert!(!why.is_empty()),
        other => panic!("{other:?}"),
    }

    // The observer sees every update in order, the DRI's among them.
    let mut last = seq;
    loop {
        let f = next(&mut observer).await;
        let ServerFrame::Update { seq, .. } = &f else {
            continue;
        };
        assert_eq!(*seq, last + 1, "updates arrive numbered without gaps");
        last = *seq;
        if is_event(&f, "Done") {
            break;
        }
    }

    // An observer's command is refused and changes nothing.
    let before = d.hub.subscribe().await.unwrap().events.len();
    send(
        &mut observer,
        &ClientFrame::Command {
            id: 9,
            command: start("second"),
        },
    )
    .await;
    match until(&mut observer, |f| matches!(f, ServerFrame::Reply { .. })).await {
        ServerFrame::Reply {
            id: 9,
            outcome: Outcome::Refused(why),
        } => assert!(why.contains("read-only"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.hub.subscribe().await.unwrap().events.len(), before);

    // Resync: a fresh snapshot on request, with the sign-off in it.
    send(&mut observer, &ClientFrame::Resync).await;
    let ServerFrame::Hello { events, .. } =
        until(&mut observer, |f| matches!(f, ServerFrame::Hello { .. })).await
    else {
        unreachable!()
    };
    assert!(events.iter().any(|e| e.by == Actor::Person("dana".into())));
}

#[tokio::test]
async fn tokens_are_checked() {
    let d = serve(ObserverPolicy::Token).await;
    let err = d.connect(None).await.unwrap_err();
    assert!(err.contains("401"), "{err}");
    let err = d.connect(Some("not-a-token")).await.unwrap_err();
    assert!(err.contains("401"), "{err}");
    let observer = d.tokens.observer_token().unwrap().to_string();
    let mut s = d.connect(Some(&observer)).await.unwrap();
    assert!(matches!(next(&mut s).await, ServerFrame::Hello { .. }));
    // The token also works as ?token= (for browsers and curl).
    let url = format!("{}?token={observer}", d.url());
    assert!(tokio_tungstenite::connect_async(url).await.is_ok());
    let api = reqwest::get(d.http("/api/state")).await.unwrap();
    assert_eq!(api.status(), 401);
    let api = reqwest::get(d.http(&format!("/api/state?token={observer}")))
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
}

/// What the server logs, captured (the test runtime is one thread, so the server's tasks
/// log to the subscriber set on it).
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    fn lines_with(&self, text: &str) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .filter(|l| l.contains(text))
            .map(str::to_string)
            .collect()
    }
}

#[tokio::test]
async fn bad_frames_close_only_their_connection() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let d = serve(ObserverPolicy::Open).await;
    let mut watcher = d.connect(None).await.unwrap();
    next(&mut watcher).await;

    // Garbage bytes.
    let mut garbage = d.connect(None).await.unwrap();
    next(&mut garbage).await;
    garbage
        .send(Message::Binary(vec![0xff, 0x00, 0x13, 0x37].into()))
        .await
        .unwrap();
    assert_eq!(
        close_code(&mut garbage).await,
        Some(1007),
        "garbage must close the connection as an invalid payload"
    );

    // Well-formed JSON that is not a frame.
    let mut wrong = d.connect(None).await.unwrap();
    next(&mut wrong).await;
    wrong
        .send(Message::Text(r#"{"type":"launch_missiles"}"#.into()))
        .await
        .unwrap();
    assert_eq!(close_code(&mut wrong).await, Some(1007));

    // A frame over the limit.
    let dana = d.tokens.token_of("dana").unwrap().to_string();
    let mut big = d.connect(Some(&dana)).await.unwrap();
    next(&mut big).await;
    let note = "x".repeat(frame::MAX_CLIENT_FRAME + 10);
    let _ = big
        .send(Message::Text(
            frame::encode(&ClientFrame::Command {
                id: 1,
                command: CommandKind::Note {
                    step: None,
                    text: note,
                },
            })
            .into(),
        ))
        .await;
    assert_eq!(
        close_code(&mut big).await,
        Some(1009),
        "an oversized frame must close it with 1009 (message too big)"
    );

    // Every bad frame is logged the same way: a warning naming the peer and why.
    let bad = logs.lines_with("bad frame: closing that connection");
    assert_eq!(bad.len(), 3, "{bad:#?}");
    assert!(bad.iter().all(|l| l.contains(" WARN ")), "{bad:#?}");
    assert!(
        bad.iter().any(|l| l.contains(&format!(
            "over the limit of {} bytes",
            frame::MAX_CLIENT_FRAME
        ))),
        "{bad:#?}"
    );

    // A half-open TCP connection that never finishes its request blocks nobody.
    let _half_open = tokio::net::TcpStream::connect(d.served.addr).await.unwrap();

    // The hub and the other connection carry on.
    d.act("casey", start("announce")).await;
    until(&mut watcher, |f| is_event(f, "Started")).await;
    let health = reqwest::get(d.http("/healthz")).await.unwrap();
    assert_eq!(health.text().await.unwrap().trim(), "ok");
    let notes = d.hub.subscribe().await.unwrap().events;
    assert!(
        !notes
            .iter()
            .any(|e| format!("{:?}", e.kind).contains("Note")),
        "the oversized note must not be journaled"
    );
}

#[tokio::test]
async fn a_half_open_connection_is_closed_and_a_live_one_kept() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = Arc::new(
        warroom::runbook::parse_str("net.toml", RUNBOOK)
            .unwrap()
            .runbook,
    );
    let journal = Journal::create(&dir.path().join("j.db"), &runbook)
        .await
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let hub = warroom::hub::spawn(runbook.clone(), journal, Vec::new(), clock.clone());
    let tokens =
        Tokens::load_or_create(&runbook, &dir.path().join("t"), ObserverPolicy::Open).unwrap();
    let text = RunbookText {
        file: "net.toml".into(),
        text: RUNBOOK.into(),
    };
    let timeouts = net::Timeouts {
        ping_every: Duration::from_millis(100),
        silent_limit: Duration::from_millis(600),
    };
    let served = net::serve_with("127.0.0.1:0", &hub, text, tokens, clock, timeouts)
        .await
        .unwrap();
    let url = format!("{}/ws", served.url());
    // This client completes the handshake, then goes silent: it never reads, so it never
    // answers a ping, like a peer behind a cut cable.
    let (mut silent, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    // This one reads (and so answers pings) all along.
    let (mut live, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let reader = tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        while start.elapsed() < Duration::from_millis(1500) {
            if let Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) =
                tokio::time::timeout(Duration::from_millis(200), live.next()).await
            {
                return false;
            }
        }
        true
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        reader.await.unwrap(),
        "a client that answers pings must be kept"
    );
    assert!(closed(&mut silent).await, "a silent client must be closed");
}

#[tokio::test]
async fn a_client_that_never_reads_stalls_nobody() {
    let d = serve(ObserverPolicy::Open).await;
    // This one connects and then never reads a byte.
    let _stuck = d.connect(None).await.unwrap();
    let mut watcher = d.connect(None).await.unwrap();
    next(&mut watcher).await;
    // Many updates: notes as the coordinator, each a journaled event.
    let sink = d.hub.sink();
    let big = "n".repeat(4000);
    for i in 0..1100 {
        sink.send(Command {
            by: Actor::Person("casey".into()),
            kind: CommandKind::Note {
                step: None,
                text: format!("{i} {big}"),
            },
        })
        .await
        .unwrap();
    }
    // The reading client sees the last one promptly.
    until(&mut watcher, |f| {
        matches!(f, ServerFrame::Update { update: Update::Event(e), .. } if format!("{:?}", e.kind).contains("1099 "))
    })
    .await;
}

// The error is deliberately dropped: the panic says what is missing.
#[allow(clippy::match_wild_err_arm)]
#[tokio::test]
async fn state_and_metrics_describe_the_drill() {
    let d = serve(ObserverPolicy::Open).await;
    d.act("casey", start("announce")).await;
    let mut observer = d.connect(None).await.unwrap();
    next(&mut observer).await;

    let state: serde_json::Value = reqwest::get(d.http("/api/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["drill"], "net test");
    assert_eq!(state["state"]["steps"][0]["status"]["status"], "running");
    // The observer connected above is listed (presence travels through the hub).
    let deadline = tokio::time::Instant::now() + WAIT;
    let metrics = loop {
        let text = reqwest::get(d.http("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("warroom_connected_clients{role=\"observer\"} 1") {
            break text;
        }
        assert!(tokio::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        metrics.contains("warroom_step_status{step=\"announce\",status=\"running\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("warroom_step_status{step=\"announce\",status=\"done\"} 0"));
    assert!(metrics.contains("warroom_drill_live 1"));
    assert!(metrics.contains("warroom_step_planned_seconds{step=\"second\"} 60"));

    // Prometheus's own linter accepts the exposition.
    match std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(metrics.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "promtool: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(_) if std::env::var("WARROOM_REQUIRE_SERVERS").is_ok_and(|v| v == "1") => {
            panic!("promtool (Debian package prometheus) is required under CI")
        }
        Err(_) => eprintln!("\n!!! promtool not installed: /metrics format not linted\n"),
    }
}

#[tokio::test]
async fn the_client_library_follows_sends_and_reconnects() {
    let d = serve(ObserverPolicy::Open).await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let dana = d.tokens.token_of("dana").unwrap().to_string();
    let mut remote = net::connect(&d.served.url(), Some(dana), clock)
        .await
        .unwrap();
    assert_eq!(remote.runbook.steps.len(), 2);
    let sink = remote.sink.take().expect("a DRI may send");
    d.act("casey", start("announce")).await;
    sink.send(Command {
        by: Actor::Person("dana".into()),
        kind: CommandKind::Done {
            target: Target::Step("announce".into()),
        },
    })
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let u = tokio::time::timeout_at(deadline, remote.updates.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(&u, Update::Event(e) if e.by == Actor::Person("dana".into())) {
            break;
        }
    }
    assert!(remote.link.borrow().ok);

    // The coordinator stops serving, then serves again on the same address: the client
    // notices, retries with backoff and resumes from a fresh snapshot.
    let addr = d.served.addr.to_string();
    let Drill {
        dir,
        hub,
        served,
        tokens,
    } = d;
    drop(served);
    let deadline = tokio::time::Instant::now() + WAIT;
    while remote.link.borrow().ok {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the cut went unnoticed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        remote.link.borrow().text.contains("link down"),
        "{}",
        remote.link.borrow().text
    );
    let text = RunbookText {
        file: "net.toml".into(),
        text: RUNBOOK.into(),
    };
    let _again = net::serve(&addr, &hub, text, tokens, Arc::new(SystemClock))
        .await
        .unwrap();
    loop {
        let u = tokio::time::timeout_at(deadline, remote.updates.recv())
            .await
            .expect("a snapshot after reconnecting")
            .unwrap();
        if matches!(u, Update::Snapshot { .. }) {
            break;
        }
    }
    assert!(remote.link.borrow().text.contains("reconnected"));
    drop(dir);
}

/// `warroom join --token ''` against a served drill that lets anonymous observers in: the
/// empty token would pass for none, and come back as "an observer token".
#[tokio::test]
async fn join_with_an_empty_token_says_it_is_empty() {
    let d = serve(ObserverPolicy::Open).await;
    let log = d.dir.path().join("join.log");
    let url = d.served.url();
    let with_flag = ["join", url.as_str(), "--as", "dana", "--token", ""];
    let from_env = ["join", url.as_str(), "--as", "dana"];
    for (args, env) in [(&with_flag[..], None), (&from_env[..], Some(""))] {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_warroom"));
        command.arg("--log-file").arg(&log).args(args);
        command.env_remove("WARROOM_TOKEN");
        if let Some(value) = env {
            command.env("WARROOM_TOKEN", value);
        }
        let out = command
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("the token is empty"), "{args:?}: {stderr}");
        assert!(stderr.contains("--token TOKEN"), "{args:?}: {stderr}");
        assert!(!stderr.contains("observer token"), "{args:?}: {stderr}");
    }
}

/// A command the rules refuse reaches a `join` client as that refusal, kind and reason
/// intact (not as a bare string that could be a journal failure); an observer's command is
/// refused as not allowed too, and only a failure of the hub reads as one.
#[tokio::test]
async fn a_refusal_reaches_a_join_client_with_its_kind() {
    let d = serve(ObserverPolicy::Open).await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let dana = d.tokens.token_of("dana").unwrap().to_string();
    let mut remote = net::connect(&d.served.url(), Some(dana), clock)
        .await
        .unwrap();
    let sink = remote.sink.take().expect("a DRI may send");
    let refused = sink
        .send(Command {
            by: Actor::Person("dana".into()),
            kind: CommandKind::CallRollback {
                from: "announce".into(),
                reason: "x".into(),
            },
        })
        .await;
    match refused {
        Err(SinkError::Refused(rejection)) => {
            assert_eq!(rejection.kind, RejectionKind::NotAllowed);
            assert!(!rejection.reason.is_empty());
        }
        other => panic!("refused by the rules, not {other:?}"),
    }
    // The same refusal on the wire: the `refused` text as ever, and its kind beside it.
    let mut dri = d
        .connect(Some(d.tokens.token_of("dana").unwrap()))
        .await
        .unwrap();
    next(&mut dri).await;
    send(
        &mut dri,
        &ClientFrame::Command {
            id: 5,
            command: CommandKind::CallRollback {
                from: "announce".into(),
                reason: "x".into(),
            },
        },
    )
    .await;
    let reply = until(&mut dri, |f| matches!(f, ServerFrame::Reply { .. })).await;
    let text = frame::encode(&reply);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["kind"], "not_allowed", "{text}");
    assert!(
        json["refused"].as_str().is_some_and(|t| !t.is_empty()),
        "{text}"
    );
    match reply {
        ServerFrame::Reply {
            outcome: Outcome::Refused(why),
            ..
        } => assert!(matches!(why.0, ReplyError::Rejected(_)), "{why}"),
        other => panic!("{other:?}"),
    }
    // An observer's command: not allowed, refused by the server before the hub.
    let mut observer = d.connect(None).await.unwrap();
    next(&mut observer).await;
    send(
        &mut observer,
        &ClientFrame::Command {
            id: 6,
            command: start("second"),
        },
    )
    .await;
    match until(&mut observer, |f| matches!(f, ServerFrame::Reply { .. })).await {
        ServerFrame::Reply {
            outcome: Outcome::Refused(Refusal(ReplyError::Rejected(r))),
            ..
        } => assert_eq!(r.kind, RejectionKind::NotAllowed),
        other => panic!("{other:?}"),
    }
}

/// `GET /report`: the live drill report, from the journal the hub is writing, under the
/// read-only endpoints' token rule.
#[tokio::test]
async fn the_live_report_is_served_to_readers_with_a_token() {
    let d = serve(ObserverPolicy::Token).await;
    d.act("dana", start("announce")).await;
    let refused = reqwest::get(d.http("/report")).await.unwrap();
    assert_eq!(refused.status(), 401);
    let observer = d.tokens.observer_token().unwrap().to_string();
    let html = reqwest::get(d.http(&format!("/report?token={observer}")))
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    assert!(html.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = html.text().await.unwrap();
    assert!(body.contains("<svg"), "the timeline chart is in the page");
    assert!(body.contains("announce"), "{body}");
    let json: serde_json::Value =
        reqwest::get(d.http(&format!("/report?format=json&token={observer}")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let text = json.to_string();
    assert!(text.contains("in_progress"), "{text}");
    assert!(text.contains("started `announce`"), "{text}");
    let bad = reqwest::get(d.http(&format!("/report?format=pdf&token={observer}")))
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

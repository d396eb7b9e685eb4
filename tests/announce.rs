//! Announcements against real HTTP servers on loopback, through the real hub, journal and
//! announcer: what a recording webhook receives (Slack blocks and JSON, each kind to the
//! targets that want it, idempotency keys), a webhook that answers 500, one that hangs past
//! the timeout, one that is down and comes back; none of them holds up the others.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use support::webhook::{self, Hook};
use warroom::drill::outbox::{Delivery, Outbox, OutboxRecord};
use warroom::drill::{Actor, Command, CommandKind, Drill, EventKind, SystemClock, Target};
use warroom::hub::{self, HubHandle};
use warroom::journal::Journal;
use warroom::runbook::Runbook;
use warroom::runner::announce::{self, Announcer};

const STEPS: &str = r#"
[runbook]
name = "announce drill"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[people.dana]
name = "Dana"
role = "DBA"

[[phase]]
name = "main"

[[phase.step]]
id = "freeze"
title = "Freeze writes"
dri = "dana"
reviewer = "casey"
planned = "10m"
announce = "Writes are frozen: the app is read-only from now on"

[[phase.step]]
id = "go"
title = "Go live"
dri = "casey"
reviewer = "casey"
planned = "5m"
gate = true

[announce]
reminders = []
timeout = "300ms"
backoff = "50ms"
max_backoff = "100ms"
give_up_after = "1500ms"
"#;

fn runbook(targets: &str) -> Runbook {
    let text = format!("{STEPS}{targets}");
    match warroom::runbook::parse_str("announce.toml", &text) {
        Ok(loaded) => loaded.runbook,
        Err(d) => panic!("invalid test runbook: {d:#?}"),
    }
}

fn target(name: &str, var: &str, extra: &str) -> String {
    format!("\n[[announce.target]]\nname = \"{name}\"\nurl = \"${{{var}}}\"\n{extra}\n")
}

struct Drilled {
    hub: HubHandle,
    _announcer: Announcer,
    _dir: tempfile::TempDir,
}

async fn drill(rb: Runbook, env: &[(&str, String)]) -> Drilled {
    let dir = tempfile::tempdir().expect("tempdir");
    let rb = Arc::new(rb);
    let journal = Journal::create(&dir.path().join("drill.db"), &rb)
        .await
        .expect("journal");
    let hub = hub::spawn(rb, journal, Vec::new(), Arc::new(SystemClock));
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let announcer = announce::start_with(&hub, Arc::new(SystemClock), move |var| {
        env.get(var).cloned()
    })
    .expect("an announcer");
    Drilled {
        hub,
        _announcer: announcer,
        _dir: dir,
    }
}

async fn cmd(hub: &HubHandle, who: &str, kind: CommandKind) {
    let command = Command {
        by: Actor::Person(who.into()),
        kind,
    };
    hub.sink()
        .send(command)
        .await
        .unwrap_or_else(|e| panic!("{who} refused: {e}"));
}

fn step(id: &str) -> Target {
    Target::Step(id.into())
}

async fn outbox(hub: &HubHandle) -> Outbox {
    let sub = hub.subscribe().await.expect("hub runs");
    Drill::replay(hub.runbook().clone(), &sub.events)
        .state()
        .outbox
        .clone()
}

/// The outbox records journaled so far, in order.
async fn records(hub: &HubHandle) -> Vec<OutboxRecord> {
    let sub = hub.subscribe().await.expect("hub runs");
    sub.events
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::Outbox { record } => Some(record),
            _ => None,
        })
        .collect()
}

/// Polls `check` every 20 ms until it holds; panics with `what` after `within`.
async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {within:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_for(hook: &Hook, n: usize) {
    eventually(
        Duration::from_secs(10),
        &format!("{n} messages"),
        || async { hook.received().len() >= n },
    )
    .await;
}

#[tokio::test]
async fn a_drill_is_announced_to_each_target_in_its_format_with_idempotency_keys() {
    let room = webhook::recorder().await;
    let bus = webhook::recorder().await;
    let rb = runbook(&format!(
        "{}{}",
        target("room", "ROOM_HOOK", ""),
        target(
            "bus",
            "BUS_HOOK",
            "format = \"json\"\nkinds = [\"gates\", \"drill\"]"
        )
    ));
    let d = drill(rb, &[("ROOM_HOOK", room.url()), ("BUS_HOOK", bus.url())]).await;
    cmd(
        &d.hub,
        "dana",
        CommandKind::Start {
            target: step("freeze"),
        },
    )
    .await;
    cmd(
        &d.hub,
        "dana",
        CommandKind::Done {
            target: step("freeze"),
        },
    )
    .await;
    cmd(
        &d.hub,
        "casey",
        CommandKind::SignOff {
            target: step("freeze"),
        },
    )
    .await;
    cmd(&d.hub, "casey", CommandKind::Start { target: step("go") }).await;
    cmd(&d.hub, "casey", CommandKind::Go { step: "go".into() }).await;
    cmd(&d.hub, "casey", CommandKind::EndDrill).await;

    wait_for(&room, 8).await;
    wait_for(&bus, 4).await;
    let titles: Vec<String> = room
        .received()
        .iter()
        .map(support::webhook::Received::title)
        .collect();
    let expect = [
        ":information_source: Drill started: announce drill",
        ":information_source: ▶ `freeze` Freeze writes — started by dana: Writes are frozen: the app is read-only from now on",
        ":information_source: `freeze` done by dana — waiting for casey's sign-off",
        ":white_check_mark: ✔ `freeze` signed off by casey",
        ":information_source: ▶ `go` Go live — started by casey",
        ":white_check_mark: GO from casey at gate `go`",
        ":white_check_mark: Gate `go` passed: GO",
        ":white_check_mark: Drill ended: completed — announce drill",
    ];
    assert_eq!(titles, expect, "in the order things happened");
    // Slack blocks: the title section, the fields (actual against plan, who signed).
    let signed = &room.received()[3].body;
    assert_eq!(signed["blocks"][0]["type"], "section");
    let fields: Vec<&str> = signed["blocks"][1]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert!(fields.contains(&"*Plan*\n10m"), "{fields:?}");
    assert!(
        fields.contains(&"*Against plan*\n10m under plan"),
        "{fields:?}"
    );
    assert!(fields.contains(&"*Signed by*\ncasey"), "{fields:?}");
    assert_eq!(room.received()[0].path, "/hook/T000/B000/s3cr3t-path");

    // The JSON target gets only its kinds, each with its key in the body and the header.
    let bus_titles: Vec<String> = bus
        .received()
        .iter()
        .map(support::webhook::Received::title)
        .collect();
    assert_eq!(
        bus_titles,
        [
            "Drill started: announce drill",
            "GO from casey at gate `go`",
            "Gate `go` passed: GO",
            "Drill ended: completed — announce drill"
        ]
    );
    for r in bus.received() {
        assert_eq!(r.body["id"].as_str(), r.key.as_deref(), "{r:?}");
        assert_eq!(r.body["drill"], "announce drill");
    }

    // Every message delivered (the last ones after the drill's end), each key once.
    eventually(Duration::from_secs(5), "all delivered", || async {
        let o = outbox(&d.hub).await;
        o.entries.len() == 12
            && o.entries
                .values()
                .all(|e| matches!(e.delivery, Delivery::Delivered { status: 200, .. }))
    })
    .await;
    let o = outbox(&d.hub).await;
    let journaled: BTreeSet<String> = o.entries.keys().cloned().collect();
    let sent: BTreeSet<String> = room.keys().into_iter().chain(bus.keys()).collect();
    assert_eq!(sent, journaled, "the keys sent are the keys journaled");
    assert_eq!(
        room.keys().len() + bus.keys().len(),
        12,
        "nothing sent twice"
    );
}

#[tokio::test]
async fn a_webhook_answering_500_and_one_hanging_fail_and_give_up_without_holding_up_the_others() {
    let room = webhook::recorder().await;
    let broken = webhook::answering(axum::http::StatusCode::INTERNAL_SERVER_ERROR).await;
    let stuck = webhook::hanging().await;
    let rb = runbook(&format!(
        "{}{}{}",
        target("stuck", "STUCK_HOOK", ""),
        target("broken", "BROKEN_HOOK", ""),
        target("room", "ROOM_HOOK", "")
    ));
    let d = drill(
        rb,
        &[
            ("ROOM_HOOK", room.url()),
            ("BROKEN_HOOK", broken.url()),
            ("STUCK_HOOK", stuck.url()),
        ],
    )
    .await;
    let began = std::time::Instant::now();
    cmd(
        &d.hub,
        "dana",
        CommandKind::Start {
            target: step("freeze"),
        },
    )
    .await;
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "the command waited for the webhooks: {:?}",
        began.elapsed()
    );
    wait_for(&room, 2).await;

    // Both failing ones fail, are retried with the same key, then are given up.
    eventually(Duration::from_secs(10), "both give up", || async {
        let o = outbox(&d.hub).await;
        ["broken", "stuck"]
            .iter()
            .all(|t| o.targets.get(*t).is_some_and(|h| h.given_up == 2))
    })
    .await;
    let o = outbox(&d.hub).await;
    let broken_health = &o.targets["broken"];
    assert!(broken_health.is_failing());
    assert_eq!(broken_health.last_error.as_deref(), Some("HTTP 500: boom"));
    let stuck_health = &o.targets["stuck"];
    assert_eq!(
        stuck_health.last_error.as_deref(),
        Some("no answer within 300ms")
    );
    assert_eq!(o.targets["room"].delivered, 2);
    assert!(!o.targets["room"].is_failing());

    let recs = records(&d.hub).await;
    // The good target's messages went while the hanging one still waited for its first
    // answer: both delivered before the hanging target's first failure was journaled.
    let position = |f: &dyn Fn(&OutboxRecord) -> bool| recs.iter().position(f);
    let stuck_first =
        position(&|r| matches!(r, OutboxRecord::Failed { target, .. } if target == "stuck"));
    let room_delivered: Vec<usize> = recs
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, OutboxRecord::Delivered { target, .. } if target == "room"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(room_delivered.len(), 2);
    assert!(
        room_delivered.iter().all(|i| Some(*i) < stuck_first),
        "the good target waited behind the hanging one: {recs:#?}"
    );
    let failed_broken: Vec<&OutboxRecord> = recs
        .iter()
        .filter(|r| matches!(r, OutboxRecord::Failed { target, .. } if target == "broken"))
        .collect();
    assert!(failed_broken.len() >= 3, "retried: {failed_broken:?}");
    // The target's queue goes in order: its first message is retried (with its key each
    // time) and the one behind it waits; both are given up together once too old.
    let first_key = o
        .pending("broken")
        .first()
        .map(|e| e.id.clone())
        .or_else(|| {
            recs.iter().find_map(|r| match r {
                OutboxRecord::Queued { id, target, .. } if target == "broken" => Some(id.clone()),
                _ => None,
            })
        })
        .expect("a message queued for broken");
    let keys = broken.keys();
    assert!(keys.len() >= 3, "retried: {keys:?}");
    assert!(
        keys.iter().all(|k| *k == first_key),
        "one message, one key: {keys:?}"
    );
    // The timeline gets the first failure of a streak only (streak 1), and the give-ups.
    let firsts = recs
        .iter()
        .filter(|r| r.is_notable() && matches!(r, OutboxRecord::Failed { .. }))
        .count();
    assert_eq!(firsts, 2, "one first failure per failing target");
    assert!(recs.iter().any(|r| matches!(r, OutboxRecord::GaveUp { target, error, .. } if target == "broken" && error == "HTTP 500: boom")));
}

#[tokio::test]
async fn a_webhook_that_is_down_gets_its_messages_in_order_once_it_is_back() {
    let port = webhook::free_port();
    let url = format!("http://{port}/hook");
    let mut rb = runbook(&target("later", "LATER_HOOK", ""));
    if let Some(a) = rb.announce.as_mut() {
        a.give_up_after = Duration::from_secs(600);
    }
    let d = drill(rb, &[("LATER_HOOK", url)]).await;
    cmd(
        &d.hub,
        "dana",
        CommandKind::Start {
            target: step("freeze"),
        },
    )
    .await;
    cmd(
        &d.hub,
        "dana",
        CommandKind::Done {
            target: step("freeze"),
        },
    )
    .await;
    eventually(Duration::from_secs(5), "a failed attempt", || async {
        outbox(&d.hub)
            .await
            .targets
            .get("later")
            .is_some_and(|h| h.streak >= 2)
    })
    .await;
    let o = outbox(&d.hub).await;
    let error = o.targets["later"].last_error.clone().unwrap_or_default();
    assert!(error.starts_with("cannot reach the webhook"), "{error}");
    assert!(
        !error.contains(&port.port().to_string()),
        "no URL in errors: {error}"
    );
    assert_eq!(o.pending("later").len(), 3);
    let queued: Vec<String> = o.pending("later").iter().map(|e| e.id.clone()).collect();

    let back = webhook::recorder_on(port).await;
    wait_for(&back, 3).await;
    eventually(Duration::from_secs(5), "all delivered", || async {
        outbox(&d.hub).await.pending("later").is_empty()
    })
    .await;
    assert_eq!(
        back.keys(),
        queued,
        "in queue order, each once, with its key"
    );
    let titles: Vec<String> = back
        .received()
        .iter()
        .map(support::webhook::Received::title)
        .collect();
    assert!(
        titles[0].ends_with("Drill started: announce drill"),
        "{titles:?}"
    );
    assert!(titles[2].contains("`freeze` done by dana"), "{titles:?}");
    let recs = records(&d.hub).await;
    let delivered: Vec<bool> = recs
        .iter()
        .filter_map(|r| match r {
            OutboxRecord::Delivered { recovered, .. } => Some(*recovered),
            _ => None,
        })
        .collect();
    assert_eq!(
        delivered,
        [true, false, false],
        "the first delivery ends the streak"
    );
    assert!(!outbox(&d.hub).await.targets["later"].is_failing());
}

/// A webhook answering its first requests from a script (a status and maybe a
/// `Retry-After`), then 200; it records when each request arrived and its key.
struct Scripted {
    addr: std::net::SocketAddr,
    arrivals: Arc<std::sync::Mutex<Vec<(std::time::Instant, String)>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Scripted {
    async fn start(script: Vec<(u16, Option<&'static str>)>) -> Scripted {
        use axum::http::{HeaderMap, HeaderValue, StatusCode};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = arrivals.clone();
        let script = Arc::new(script);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap| {
                let (seen, script) = (seen.clone(), script.clone());
                async move {
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let n = {
                        let mut seen = seen
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        seen.push((std::time::Instant::now(), key));
                        seen.len() - 1
                    };
                    let (status, retry_after) = script.get(n).copied().unwrap_or((200, None));
                    let mut out = HeaderMap::new();
                    if let Some(v) = retry_after {
                        out.insert("retry-after", HeaderValue::from_static(v));
                    }
                    (
                        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                        out,
                        "answer",
                    )
                }
            }),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Scripted {
            addr,
            arrivals,
            server,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn arrivals(&self) -> Vec<(std::time::Instant, String)> {
        self.arrivals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Where the first record matching `f` is in `recs`.
fn first(recs: &[OutboxRecord], f: impl Fn(&OutboxRecord) -> bool) -> usize {
    recs.iter()
        .position(f)
        .unwrap_or_else(|| panic!("no such record in {recs:#?}"))
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_holds_up_no_other_target() {
    // Slack's rate limit: 429 with `Retry-After: 1`; our own backoff is 50 ms.
    let limited = Scripted::start(vec![(429, Some("1"))]).await;
    let room = webhook::recorder().await;
    let mut rb = runbook(&format!(
        "{}{}",
        target("limited", "LIMITED_HOOK", ""),
        target("room", "ROOM_HOOK", "")
    ));
    if let Some(a) = rb.announce.as_mut() {
        a.give_up_after = Duration::from_secs(600);
    }
    let d = drill(
        rb,
        &[("LIMITED_HOOK", limited.url()), ("ROOM_HOOK", room.url())],
    )
    .await;
    cmd(
        &d.hub,
        "dana",
        CommandKind::Start {
            target: step("freeze"),
        },
    )
    .await;
    eventually(Duration::from_secs(10), "all delivered", || async {
        let o = outbox(&d.hub).await;
        o.entries.len() == 4 && o.pending("limited").is_empty() && o.pending("room").is_empty()
    })
    .await;

    let arrivals = limited.arrivals();
    assert_eq!(
        arrivals.len(),
        3,
        "the first message twice, then the second"
    );
    assert_eq!(arrivals[0].1, arrivals[1].1, "a retry keeps its key");
    let waited = arrivals[1].0 - arrivals[0].0;
    assert!(
        waited >= Duration::from_secs(1),
        "the retry came {waited:?} after the 429, before its Retry-After of 1s"
    );
    let recs = records(&d.hub).await;
    let failed = first(
        &recs,
        |r| matches!(r, OutboxRecord::Failed { target, .. } if target == "limited"),
    );
    match &recs[failed] {
        OutboxRecord::Failed { error, .. } => {
            assert_eq!(error, "HTTP 429: answer (asked to retry after 1s)");
        }
        other => panic!("{other:?}"),
    }
    // The other target went on while this one waited: both its messages were delivered
    // before the limited target's retry was.
    let limited_delivered = first(
        &recs,
        |r| matches!(r, OutboxRecord::Delivered { target, .. } if target == "limited"),
    );
    let room_delivered: Vec<usize> = recs
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, OutboxRecord::Delivered { target, .. } if target == "room"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(room_delivered.len(), 2, "{recs:#?}");
    assert!(
        room_delivered.iter().all(|i| *i < limited_delivered),
        "the room waited behind the rate-limited target: {recs:#?}"
    );
}

#[tokio::test]
async fn a_message_its_target_refuses_is_given_up_at_once_and_the_next_one_goes() {
    // A 400 is the webhook refusing this message (Slack's `invalid_blocks`): retrying
    // cannot help, and the messages behind it must not wait for the give-up time.
    let picky = Scripted::start(vec![(400, None)]).await;
    let mut rb = runbook(&target("picky", "PICKY_HOOK", ""));
    if let Some(a) = rb.announce.as_mut() {
        a.give_up_after = Duration::from_secs(600);
    }
    let d = drill(rb, &[("PICKY_HOOK", picky.url())]).await;
    cmd(
        &d.hub,
        "dana",
        CommandKind::Start {
            target: step("freeze"),
        },
    )
    .await;
    eventually(Duration::from_secs(10), "both settled", || async {
        let o = outbox(&d.hub).await;
        o.entries.len() == 2 && o.pending("picky").is_empty()
    })
    .await;
    let o = outbox(&d.hub).await;
    assert_eq!(o.targets["picky"].given_up, 1);
    assert_eq!(o.targets["picky"].delivered, 1);
    let recs = records(&d.hub).await;
    let gave_up = first(&recs, |r| matches!(r, OutboxRecord::GaveUp { .. }));
    let delivered = first(&recs, |r| matches!(r, OutboxRecord::Delivered { .. }));
    assert!(gave_up < delivered, "in order: {recs:#?}");
    let keys: Vec<String> = picky.arrivals().into_iter().map(|(_, k)| k).collect();
    assert_eq!(
        keys.len(),
        2,
        "the refused message is not retried: {keys:?}"
    );
    assert_ne!(keys[0], keys[1]);
}

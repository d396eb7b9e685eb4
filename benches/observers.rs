//! Load benchmark for the served drill: 500 observer connections on loopback following a
//! real `warroom run --listen` (the binary, in line mode), while a DRI signs steps off over
//! the wire. Prints, for each sign-off, the time until the last observer received it
//! (p50/p99/max), and the coordinator's CPU time and memory while serving them.
//!
//!   cargo bench --bench observers          (`WARROOM_BENCH_OBSERVERS=N`, `WARROOM_BENCH_SIGNOFFS=N`)
//!
//! Goal (issue 7): p99 < 100 ms from a sign-off to the last of 500 observers.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use warroom::drill::{CommandKind, EventKind, Target, Update};
use warroom::net::frame::{self, ClientFrame, ServerFrame};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A runbook of `steps` independent steps, DRI `dri`, reviewer `rev`.
fn runbook(steps: usize) -> String {
    let mut text = String::from(
        "[runbook]\nname = \"observer load\"\nkind = \"drill\"\ncoordinator = \"coord\"\n\n\
         [people.coord]\nname = \"Coord\"\nrole = \"coordinator\"\n\
         [people.dri]\nname = \"Dri\"\nrole = \"DBA\"\n\
         [people.rev]\nname = \"Rev\"\nrole = \"SRE\"\n\n[[phase]]\nname = \"load\"\n",
    );
    for i in 0..steps {
        text.push_str(&format!(
            "\n[[phase.step]]\nid = \"s{i}\"\ntitle = \"Step {i}\"\ndri = \"dri\"\nreviewer = \"rev\"\nplanned = \"1m\"\nafter = []\n"
        ));
    }
    text
}

async fn connect(url: &str, token: Option<&str>) -> Res<Socket> {
    let mut request = url.into_client_request()?;
    if let Some(t) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {t}").parse()?);
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

async fn command(socket: &mut Socket, id: u64, kind: CommandKind) -> Res<()> {
    let text = frame::encode(&ClientFrame::Command { id, command: kind });
    socket.send(Message::Text(text.into())).await?;
    // Wait for this command's reply.
    while let Some(message) = socket.next().await {
        if let Message::Text(t) = message? {
            if let Ok(ServerFrame::Reply { id: got, outcome }) = frame::decode_server(t.as_bytes())
            {
                if got == id {
                    return match outcome {
                        frame::Outcome::Done(_) => Ok(()),
                        frame::Outcome::Refused(why) => Err(why.0.into()),
                    };
                }
            }
        }
    }
    Err("connection closed".into())
}

fn proc_cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the ')'.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}

fn proc_mem_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

// A percentile index: within 0..len.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Res<()> {
    let observers = env_usize("WARROOM_BENCH_OBSERVERS", 500);
    let signoffs = env_usize("WARROOM_BENCH_SIGNOFFS", 40);
    let dir = tempfile::tempdir()?;
    let runbook_path = dir.path().join("load.toml");
    std::fs::write(&runbook_path, runbook(signoffs))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut coordinator = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.path().join("coordinator.log"))
        .arg("run")
        .arg(&runbook_path)
        .arg("--journal")
        .arg(dir.path().join("j.db"))
        .args(["--line", "--listen", &format!("127.0.0.1:{port}")])
        .env("WARROOM_TOKEN_COORD", "bench-coord")
        .env("WARROOM_TOKEN_REV", "bench-rev")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = coordinator.id();
    let url = format!("ws://127.0.0.1:{port}/ws");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut coord = loop {
        match connect(&url, Some("bench-coord")).await {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(format!("the coordinator never served: {e}").into()),
        }
    };
    let mut rev = connect(&url, Some("bench-rev")).await?;
    let rss_idle = proc_mem_mb(pid, "VmRSS:");

    // received[k][o]: when observer o saw sign-off k.
    let received: Arc<Mutex<Vec<Vec<Option<Instant>>>>> =
        Arc::new(Mutex::new(vec![vec![None; observers]; signoffs]));
    let connect_start = Instant::now();
    let mut tasks = Vec::with_capacity(observers);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(observers);
    for o in 0..observers {
        let url = url.clone();
        let received = received.clone();
        let ready = ready_tx.clone();
        tasks.push(tokio::spawn(async move {
            // Like a real console: retry with backoff when the accept queue overflows.
            let mut wait = Duration::from_millis(50);
            let mut socket = loop {
                match connect(&url, None).await {
                    Ok(s) => break s,
                    Err(_) if wait < Duration::from_secs(5) => {
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                    Err(e) => return Err(e),
                }
            };
            let mut seen = 0;
            while let Some(message) = socket.next().await {
                let Message::Text(t) = message? else { continue };
                match frame::decode_server(t.as_bytes())? {
                    ServerFrame::Hello { .. } => {
                        let _ = ready.send(()).await;
                    }
                    ServerFrame::Update {
                        update: Update::Event(e),
                        ..
                    } => {
                        if let EventKind::SignedOff { target, .. } = &e.kind {
                            let k: usize = target.step_id()[1..].parse()?;
                            let now = Instant::now();
                            if let Ok(mut r) = received.lock() {
                                r[k][o] = Some(now);
                            }
                            seen += 1;
                            if seen == signoffs {
                                return Ok::<(), Box<dyn std::error::Error + Send + Sync>>(());
                            }
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        }));
    }
    drop(ready_tx);
    for _ in 0..observers {
        if ready_rx.recv().await.is_none() {
            return Err("an observer failed to connect".into());
        }
    }
    let connect_secs = connect_start.elapsed().as_secs_f64();
    let rss_connected = proc_mem_mb(pid, "VmRSS:");
    let cpu_before = proc_cpu_secs(pid);
    let wall_before = Instant::now();

    let mut sent = Vec::with_capacity(signoffs);
    let mut id = 0;
    for k in 0..signoffs {
        let target = || Target::Step(format!("s{k}"));
        id += 1;
        command(&mut coord, id, CommandKind::Start { target: target() }).await?;
        id += 1;
        command(&mut coord, id, CommandKind::Done { target: target() }).await?;
        // Let the two updates above reach everyone before the measured one.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let t0 = Instant::now();
        id += 1;
        command(&mut rev, id, CommandKind::SignOff { target: target() }).await?;
        sent.push(t0);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(30), t).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => eprintln!("an observer failed: {e}"),
            Ok(Err(e)) => eprintln!("an observer task failed: {e}"),
            Err(_) => eprintln!("an observer never saw every sign-off"),
        }
    }
    let wall = wall_before.elapsed().as_secs_f64();
    let cpu = proc_cpu_secs(pid) - cpu_before;
    let rss_peak = proc_mem_mb(pid, "VmHWM:");

    let received = received.lock().map_err(|_| "poisoned")?.clone();
    let mut last_ms = Vec::new();
    let mut all_ms = Vec::new();
    let mut missing = 0;
    for (k, row) in received.iter().enumerate() {
        let mut worst: f64 = 0.0;
        for at in row {
            match at {
                Some(at) => {
                    let ms = at.duration_since(sent[k]).as_secs_f64() * 1000.0;
                    all_ms.push(ms);
                    worst = worst.max(ms);
                }
                None => missing += 1,
            }
        }
        last_ms.push(worst);
    }
    last_ms.sort_by(f64::total_cmp);
    all_ms.sort_by(f64::total_cmp);
    if let Some(stdin) = coordinator.stdin.as_mut() {
        let _ = writeln!(stdin, "quit");
    }
    let _ = coordinator.kill();
    let _ = coordinator.wait();

    println!("served drill: {observers} observers on loopback, {signoffs} sign-offs by a DRI over the wire");
    println!("  connect: all {observers} observers had their snapshot after {connect_secs:.2} s");
    println!(
        "  sign-off -> last observer:  p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms   (goal p99 < 100 ms)",
        percentile(&last_ms, 0.5),
        percentile(&last_ms, 0.99),
        last_ms.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "  sign-off -> each observer:  p50 {:.1} ms   p99 {:.1} ms   ({} deliveries, {missing} missing)",
        percentile(&all_ms, 0.5),
        percentile(&all_ms, 0.99),
        all_ms.len()
    );
    println!(
        "  coordinator: CPU {:.2} s over {wall:.1} s ({:.0}% of one core); RSS idle {rss_idle:.0} MB, with {observers} observers {rss_connected:.0} MB, peak {rss_peak:.0} MB",
        cpu,
        100.0 * cpu / wall
    );
    Ok(())
}

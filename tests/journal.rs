//! The journal against real SQLite files in a temp dir: round trips, refusals, and every
//! kind of damage we promise to detect.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use warroom::drill::testkit::RunbookBuilder;
use warroom::drill::{Actor, Event, EventKind, Target};
use warroom::journal::{default_path, Journal, JournalError};
use warroom::runbook::Runbook;

fn runbook(text: &str, digest: &str) -> Runbook {
    RunbookBuilder::new("payments cutover")
        .coordinator("alice")
        .source(text, digest)
        .build()
}

fn rb() -> Runbook {
    runbook("[meta]\nname = \"payments cutover\"\n", "d1")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 22, 0, 0)
        .single()
        .expect("valid time")
}

// Test sequence numbers are small.
#[allow(clippy::cast_possible_wrap)]
fn event(seq: u64) -> Event {
    let kind = match seq % 3 {
        0 => EventKind::Started {
            target: Target::Step(format!("s{seq}")),
        },
        1 => EventKind::NoteAdded {
            step: None,
            text: format!("note {seq} — ünïcode"),
        },
        _ => EventKind::Failed {
            target: Target::Rollback("a".into()),
            reason: "replica lag".into(),
        },
    };
    Event {
        seq,
        at: t0() + chrono::Duration::milliseconds(seq as i64 * 1500 + 7),
        by: if seq % 2 == 0 {
            Actor::System
        } else {
            Actor::Person("bob".into())
        },
        kind,
        acting_for: None,
    }
}

fn events(range: std::ops::RangeInclusive<u64>) -> Vec<Event> {
    range.map(event).collect()
}

/// A journal at `dir/j.db` holding events 1..=n, closed.
async fn journal_with(dir: &Path, n: u64) -> PathBuf {
    let path = dir.join("j.db");
    let mut j = Journal::create(&path, &rb()).await.expect("create");
    j.append_batch(&events(1..=n)).await.expect("append");
    j.close().await.expect("close");
    path
}

/// A raw connection for tampering with the file, as a careless editor would.
async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .expect("raw connect")
}

async fn tamper(path: &Path, sql: &str) {
    let mut c = raw(path).await;
    sqlx::raw_sql(sql).execute(&mut c).await.expect("tamper");
    c.close().await.expect("close raw");
}

fn assert_corrupt_at(err: &JournalError, seq: u64) {
    match err {
        JournalError::Corrupt { seq: Some(s), .. } if *s == seq => {}
        other => panic!("expected Corrupt at seq {seq}, got {other:?}: {other}"),
    }
}

#[tokio::test]
async fn round_trip_create_append_open_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/dir/j.db");
    let mut j = Journal::create(&path, &rb()).await.expect("create");
    assert_eq!(j.last_seq(), 0);
    for e in events(1..=5) {
        j.append(&e).await.expect("append");
    }
    j.append_batch(&events(6..=10)).await.expect("batch");
    j.append_batch(&[]).await.expect("empty batch");
    j.close().await.expect("close");

    let (mut j, replayed) = Journal::open(&path, &rb()).await.expect("open");
    assert_eq!(replayed, events(1..=10));
    assert_eq!(j.last_seq(), 10);
    j.append(&event(11)).await.expect("append after resume");
    j.close().await.expect("close");

    let contents = Journal::read(&path).await.expect("read");
    assert_eq!(contents.events, events(1..=11));
    assert_eq!(contents.runbook_text, rb().source_text);
    assert_eq!(contents.meta.runbook_name, "payments cutover");
    assert_eq!(contents.meta.runbook_digest, "d1");
    assert_eq!(contents.meta.format_version, 1);
    assert_eq!(contents.meta.warroom_version, env!("CARGO_PKG_VERSION"));
    assert!(contents.telemetry.is_empty());
}

#[tokio::test]
async fn create_refuses_existing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 1).await;
    let err = Journal::create(&path, &rb())
        .await
        .expect_err("must refuse");
    assert!(matches!(err, JournalError::AlreadyExists { .. }), "{err:?}");
    assert!(err.to_string().contains("already exists"));
    // The old journal is untouched.
    assert_eq!(Journal::read(&path).await.expect("read").events.len(), 1);
}

#[tokio::test]
async fn open_missing_file_is_not_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nope.db");
    let err = Journal::open(&path, &rb()).await.expect_err("missing");
    assert!(matches!(err, JournalError::NotFound { .. }), "{err:?}");
    assert!(!path.exists(), "open must not create the file");
}

#[tokio::test]
async fn seq_gap_refused_and_nothing_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    let mut j = Journal::create(&path, &rb()).await.expect("create");
    j.append(&event(1)).await.expect("append 1");
    let err = j.append(&event(3)).await.expect_err("gap");
    assert!(
        matches!(
            err,
            JournalError::SeqGap {
                expected: 2,
                got: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let err = j.append(&event(1)).await.expect_err("repeat");
    assert!(matches!(
        err,
        JournalError::SeqGap {
            expected: 2,
            got: 1,
            ..
        }
    ));
    // A batch with a hole in the middle writes nothing at all.
    let mut batch = events(2..=5);
    batch.remove(2);
    let err = j.append_batch(&batch).await.expect_err("batch gap");
    assert!(matches!(
        err,
        JournalError::SeqGap {
            expected: 4,
            got: 5,
            ..
        }
    ));
    assert_eq!(j.last_seq(), 1);
    // The handle is still usable after a refused append.
    j.append(&event(2)).await.expect("append 2");
    j.close().await.expect("close");
    assert_eq!(
        Journal::read(&path).await.expect("read").events,
        events(1..=2)
    );
}

#[tokio::test]
async fn digest_mismatch_refused_with_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 2).await;
    let other = runbook("[meta]\nname = \"payments cutover\"\n# edited\n", "d2");
    let err = Journal::open(&path, &other).await.expect_err("mismatch");
    match &err {
        JournalError::RunbookMismatch {
            journal_runbook_name,
            journal_digest,
            given_digest,
            ..
        } => {
            assert_eq!(journal_runbook_name, "payments cutover");
            assert_eq!(journal_digest, "d1");
            assert_eq!(given_digest, "d2");
        }
        other => panic!("expected RunbookMismatch, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("different version of runbook"), "{msg}");
    assert!(msg.contains("start a new drill"), "{msg}");
    assert!(msg.contains("j.db"), "{msg}");
}

#[tokio::test]
async fn edited_payload_detected_at_its_seq() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 10).await;
    tamper(
        &path,
        "UPDATE events SET payload = replace(payload, 'replica lag', 'all fine') WHERE seq = 5",
    )
    .await;
    let err = Journal::read(&path).await.expect_err("corrupt");
    assert_corrupt_at(&err, 5);
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    let err = Journal::open(&path, &rb()).await.expect_err("no resume");
    assert_corrupt_at(&err, 5);

    let salvaged = Journal::read_lenient(&path).await.expect("lenient");
    assert_eq!(salvaged.contents.events, events(1..=4));
    assert_eq!(salvaged.damage.len(), 1);
    assert_corrupt_at(&salvaged.damage[0], 5);
}

#[tokio::test]
async fn edited_derived_column_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 4).await;
    tamper(&path, "UPDATE events SET actor = 'mallory' WHERE seq = 3").await;
    assert_corrupt_at(&Journal::read(&path).await.expect_err("corrupt"), 3);
}

#[tokio::test]
async fn deleted_middle_row_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 10).await;
    tamper(&path, "DELETE FROM events WHERE seq = 6").await;
    let err = Journal::read(&path).await.expect_err("gap");
    assert_corrupt_at(&err, 6);
    assert!(err.to_string().contains("missing"), "{err}");
    let salvaged = Journal::read_lenient(&path).await.expect("lenient");
    assert_eq!(salvaged.contents.events, events(1..=5));
}

#[tokio::test]
async fn deleted_tail_rows_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 10).await;
    tamper(&path, "DELETE FROM events WHERE seq >= 9").await;
    let err = Journal::read(&path).await.expect_err("tail");
    assert_corrupt_at(&err, 9);
    assert!(err.to_string().contains("missing from the end"), "{err}");
}

#[tokio::test]
async fn renumbered_rows_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 6).await;
    // Remove 3 and shift the rest down, so seqs are gapless again: the chain still breaks.
    tamper(
        &path,
        "DELETE FROM events WHERE seq = 3; UPDATE events SET seq = seq - 1 WHERE seq > 3;
         UPDATE head SET last_seq = 5",
    )
    .await;
    assert_corrupt_at(&Journal::read(&path).await.expect_err("chain"), 3);
}

#[tokio::test]
async fn edited_runbook_text_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 2).await;
    tamper(&path, "UPDATE meta SET runbook_text = 'something else'").await;
    let err = Journal::read(&path).await.expect_err("meta");
    assert!(
        matches!(err, JournalError::Corrupt { seq: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("meta record"), "{err}");
}

/// A kind this build does not know, edited in by hand (so its checksum no longer holds):
/// reported at its seq. The intact-checksum case (a newer warroom wrote it) is the unit test
/// `journal::tests::unknown_kind_with_valid_checksum_is_undecodable`.
#[tokio::test]
async fn unknown_event_kind_reported_with_seq() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 4).await;
    tamper(
        &path,
        "UPDATE events SET payload = replace(payload, '\"event\":\"started\"', '\"event\":\"teleported\"') WHERE seq = 3",
    )
    .await;
    let err = Journal::read(&path).await.expect_err("unknown kind");
    assert_eq!(err.seq(), Some(3), "{err:?}");
}

#[tokio::test]
async fn truncated_file_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 2000).await;
    let len = std::fs::metadata(&path).expect("metadata").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open file");
    file.set_len(len / 2).expect("truncate");
    drop(file);
    let err = Journal::read(&path).await.expect_err("truncated");
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("damaged") && msg.contains("j.db"), "{msg}");
    // The valid prefix is still there for a report.
    let salvaged = Journal::read_lenient(&path).await.expect("lenient");
    assert!(!salvaged.is_intact());
    let n = salvaged.contents.events.len() as u64;
    assert!(n < 2000, "got {n}");
    assert_eq!(salvaged.contents.events, events(1..=n));
    assert_eq!(salvaged.damage[0].seq(), Some(n + 1));
}

#[tokio::test]
async fn truncated_to_a_few_bytes_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 3).await;
    let bytes = std::fs::read(&path).expect("read file");
    std::fs::write(&path, &bytes[..50]).expect("write");
    let err = Journal::read(&path).await.expect_err("torn header");
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
    let err = Journal::open(&path, &rb()).await.expect_err("torn header");
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
}

// Garbage bytes: the truncation to u8 is wanted.
#[allow(clippy::cast_possible_truncation)]
#[tokio::test]
async fn garbage_file_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("garbage.db");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, garbage).expect("write");
    let err = Journal::read(&path).await.expect_err("garbage");
    assert!(
        matches!(err, JournalError::Corrupt { seq: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("garbage.db"), "{err}");
    let err = Journal::open(&path, &rb()).await.expect_err("garbage");
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
}

// Garbage bytes: the truncation to u8 is wanted.
#[allow(clippy::cast_possible_truncation)]
#[tokio::test]
async fn garbage_in_the_middle_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = journal_with(dir.path(), 2000).await;
    let mut bytes = std::fs::read(&path).expect("read file");
    let mid = bytes.len() / 2;
    for (i, b) in bytes[mid..mid + 3000].iter_mut().enumerate() {
        *b = (i * 7 + 13) as u8;
    }
    std::fs::write(&path, &bytes).expect("write");
    let err = Journal::read(&path)
        .await
        .expect_err("garbage in the middle");
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
    let salvaged = Journal::read_lenient(&path).await.expect("lenient");
    let n = salvaged.contents.events.len() as u64;
    assert_eq!(salvaged.contents.events, events(1..=n));
}

#[tokio::test]
async fn foreign_sqlite_file_is_not_a_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.db");
    let mut c = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("create other");
    sqlx::raw_sql("CREATE TABLE t (x)")
        .execute(&mut c)
        .await
        .expect("ddl");
    c.close().await.expect("close");
    let err = Journal::read(&path).await.expect_err("foreign");
    assert!(matches!(err, JournalError::NotAJournal { .. }), "{err:?}");
}

#[tokio::test]
async fn second_writer_refused_while_first_is_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    let mut first = Journal::create(&path, &rb()).await.expect("create");
    first.append(&event(1)).await.expect("append");

    let err = Journal::open(&path, &rb()).await.expect_err("in use");
    assert!(matches!(err, JournalError::InUse { .. }), "{err:?}");
    assert!(
        err.to_string().contains("in use by another warroom"),
        "{err}"
    );
    // Readers are let in beside the writer, and see what it has appended so far.
    let live = Journal::read(&path)
        .await
        .expect("a reader beside the writer");
    assert_eq!(live.events, events(1..=1));

    // The first writer is unaffected, and the lock goes with it.
    first.append(&event(2)).await.expect("append");
    let live = Journal::read(&path)
        .await
        .expect("a reader beside the writer");
    assert_eq!(live.events, events(1..=2));
    first.close().await.expect("close");
    let (second, replayed) = Journal::open(&path, &rb()).await.expect("open after close");
    assert_eq!(replayed, events(1..=2));
    // ... and a resumed journal holds the lock too.
    let err = Journal::open(&path, &rb()).await.expect_err("in use");
    assert!(matches!(err, JournalError::InUse { .. }), "{err:?}");
    second.close().await.expect("close");
}

#[tokio::test]
async fn crash_without_close_recovers_everything_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    let mut j = Journal::create(&path, &rb()).await.expect("create");
    j.append_batch(&events(1..=20)).await.expect("append");
    j.append_telemetry(t0(), "copy_progress", &serde_json::json!({"rows": 5}))
        .await
        .expect("telemetry");
    // What is on disk right now is what a crash (kill -9, power loss) leaves: copy it.
    let crashed = dir.path().join("crashed.db");
    for suffix in ["", "-wal"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{suffix}", crashed.display())).expect("copy");
        }
    }
    let contents = Journal::read(&crashed).await.expect("read crashed copy");
    assert_eq!(contents.events, events(1..=20));
    assert_eq!(contents.telemetry.len(), 1);
    let (_, replayed) = Journal::open(&crashed, &rb()).await.expect("resume");
    assert_eq!(replayed, events(1..=20));
    j.close().await.expect("close");
}

#[tokio::test]
async fn crash_right_after_create_is_an_empty_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    let j = Journal::create(&path, &rb()).await.expect("create");
    let crashed = dir.path().join("crashed.db");
    std::fs::copy(&path, &crashed).expect("copy db");
    std::fs::copy(
        format!("{}-wal", path.display()),
        format!("{}-wal", crashed.display()),
    )
    .expect("copy wal");
    let (mut resumed, replayed) = Journal::open(&crashed, &rb()).await.expect("resume");
    assert!(replayed.is_empty());
    resumed.append(&event(1)).await.expect("append");
    resumed.close().await.expect("close");
    j.close().await.expect("close");
}

#[tokio::test]
async fn telemetry_round_trip_and_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    let mut j = Journal::create(&path, &rb()).await.expect("create");
    j.append(&event(1)).await.expect("append");
    let a = serde_json::json!({"job": "payments", "rows_done": 1200, "rows_total": 5000});
    let b = serde_json::json!({"probe": "lag", "value": 0.25});
    j.append_telemetry(t0(), "copy_progress", &a)
        .await
        .expect("t1");
    j.append_telemetry(t0() + Duration::from_secs(5), "probe", &b)
        .await
        .expect("t2");
    j.close().await.expect("close");

    let (mut j, replayed) = Journal::open(&path, &rb()).await.expect("open");
    assert_eq!(
        replayed,
        events(1..=1),
        "telemetry is not in the event sequence"
    );
    j.append_telemetry(t0() + Duration::from_secs(10), "probe", &b)
        .await
        .expect("t3 after resume");
    j.close().await.expect("close");

    let contents = Journal::read(&path).await.expect("read");
    let t = &contents.telemetry;
    assert_eq!(t.len(), 3);
    assert_eq!(
        (t[0].id, t[0].kind.as_str(), &t[0].value, t[0].at),
        (1, "copy_progress", &a, t0())
    );
    assert_eq!((t[1].id, t[1].kind.as_str(), &t[1].value), (2, "probe", &b));
    assert_eq!(t[2].id, 3);

    tamper(
        &path,
        "UPDATE telemetry SET payload = '{\"rows_done\":9}' WHERE id = 2",
    )
    .await;
    let err = Journal::read(&path).await.expect_err("telemetry damage");
    assert!(
        matches!(err, JournalError::CorruptTelemetry { id: 2, .. }),
        "{err:?}"
    );
    let salvaged = Journal::read_lenient(&path).await.expect("lenient");
    assert_eq!(salvaged.contents.events, events(1..=1));
    let ids: Vec<i64> = salvaged.contents.telemetry.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![1, 3]);
    assert_eq!(salvaged.damage.len(), 1);
}

#[tokio::test]
async fn default_path_is_under_drills() {
    let now = Utc
        .with_ymd_and_hms(2025, 11, 30, 3, 4, 5)
        .single()
        .expect("valid");
    assert_eq!(
        default_path(Path::new("base"), "Payments Cutover", now),
        PathBuf::from("base/drills/payments-cutover-20251130T030405Z.db")
    );
}

/// A live reader sees the drill as of one moment: events, head and telemetry agree while
/// the writer appends between its reads.
#[tokio::test]
async fn a_reader_beside_a_busy_writer_sees_a_consistent_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.db");
    let mut writer = Journal::create(&path, &rb()).await.expect("create");
    let reader_path = path.clone();
    let reader = tokio::spawn(async move {
        let mut seen = 0;
        for _ in 0..50 {
            let contents = Journal::read(&reader_path)
                .await
                .expect("a consistent read of a live journal");
            let n = contents.events.len() as u64;
            assert_eq!(contents.events, events(1..=n));
            assert!(n >= seen, "went back from {seen} to {n} events");
            seen = n;
        }
    });
    for seq in 1..=300 {
        writer
            .append(&event(seq))
            .await
            .expect("append beside a reader");
    }
    reader.await.expect("reader");
    writer.close().await.expect("close");
}

/// The real binary: `warroom run --line` (the console) and, while it runs,
/// `warroom events` on its journal and a second `warroom run --resume` of it.
mod live_console {
    use std::io::{BufRead, BufReader, Write};
    use std::path::Path;
    use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

    const RUNBOOK: &str = "tests/fixtures/small-drill.toml";

    fn warroom(log: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_warroom"));
        command.arg("--log-file").arg(log);
        command
    }

    struct Console {
        child: Child,
        stdin: ChildStdin,
        stdout: BufReader<ChildStdout>,
    }

    impl Console {
        fn start(journal: &Path, log: &Path) -> Console {
            let mut child = warroom(log)
                .args(["run", RUNBOOK, "--line", "--journal"])
                .arg(journal)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start warroom run --line");
            let stdin = child.stdin.take().expect("stdin");
            let stdout = BufReader::new(child.stdout.take().expect("stdout"));
            Console {
                child,
                stdin,
                stdout,
            }
        }

        /// Sends one command line and reads `answers` lines.
        fn ask(&mut self, line: &str, answers: usize) -> Vec<String> {
            writeln!(self.stdin, "{line}").expect("send");
            self.stdin.flush().expect("flush");
            (0..answers)
                .map(|_| {
                    let mut s = String::new();
                    self.stdout.read_line(&mut s).expect("answer");
                    s.trim_end().to_string()
                })
                .collect()
        }
    }

    fn events_of(journal: &Path, log: &Path) -> Output {
        warroom(log)
            .arg("events")
            .arg(journal)
            .stdin(Stdio::null())
            .output()
            .expect("run warroom events")
    }

    fn lines(out: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(out)
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn events_reads_the_journal_of_a_running_console() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = dir.path().join("drill.db");
        let log = dir.path().join("warroom.log");
        let mut console = Console::start(&journal, &log);
        assert_eq!(console.ask("as dan", 1), ["acting as dan"]);
        let started = console.ask("start pre-checks", 2);
        assert!(started[1].ends_with("started `pre-checks`"), "{started:?}");

        let out = events_of(&journal, &log);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "warroom events failed: {stderr}");
        let printed = lines(&out.stdout);
        assert_eq!(printed.len(), 3, "{printed:?}");
        assert!(
            printed[0].ends_with("this is run #1 of the runbook"),
            "{printed:?}"
        );
        assert!(printed[1].ends_with("started the drill"), "{printed:?}");
        assert!(printed[2].ends_with("started `pre-checks`"), "{printed:?}");

        // A second writer is still refused while the console runs.
        let second = warroom(&log)
            .args(["run", RUNBOOK, "--line", "--resume"])
            .arg(&journal)
            .stdin(Stdio::null())
            .output()
            .expect("run a second console");
        let refused = String::from_utf8_lossy(&second.stderr);
        assert!(!second.status.success(), "a second writer got in");
        assert!(refused.contains("in use by another warroom"), "{refused}");

        // The console was not disturbed: it takes the next command, and a reader sees it.
        let done = console.ask("done pre-checks", 1);
        assert!(
            done[0].starts_with("ok ") && done[0].ends_with("marked `pre-checks` done"),
            "{done:?}"
        );
        let out = events_of(&journal, &log);
        assert!(out.status.success());
        let printed = lines(&out.stdout);
        assert_eq!(printed.len(), 4, "{printed:?}");
        assert!(
            printed[3].ends_with("marked `pre-checks` done"),
            "{printed:?}"
        );

        console.ask("quit", 0);
        assert!(console.child.wait().expect("wait").success());
    }

    /// The drill report is a reader too: it reports a drill while its console runs.
    #[test]
    fn report_reads_the_journal_of_a_running_console() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = dir.path().join("drill.db");
        let log = dir.path().join("warroom.log");
        let mut console = Console::start(&journal, &log);
        console.ask("as dan", 1);
        console.ask("start pre-checks", 2);
        let out = warroom(&log)
            .args(["report", "--format", "json"])
            .arg(&journal)
            .stdin(Stdio::null())
            .output()
            .expect("run warroom report");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the report is JSON");
        let text = report.to_string();
        assert!(text.contains("in_progress"), "{text}");
        assert!(text.contains("pre-checks"), "{text}");
        // The console goes on undisturbed.
        let done = console.ask("done pre-checks", 1);
        assert!(done[0].ends_with("marked `pre-checks` done"), "{done:?}");
        console.ask("quit", 0);
        assert!(console.child.wait().expect("wait").success());
    }
}

/// `warroom events JOURNAL | head -1`: the reader goes away, the binary ends quietly.
#[tokio::test]
async fn events_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("tempdir");
    // Enough events that the output overflows the pipe.
    let path = journal_with(dir.path(), 3000).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--log-file")
        .arg(dir.path().join("warroom.log"))
        .arg("events")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start warroom events");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    assert!(first.contains("#1 "), "{first}");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    let status = child.wait().expect("wait");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(status.code(), Some(141), "{stderr}");
}

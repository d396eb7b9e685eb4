//! `warroom init` against a real MariaDB (source) and PostgreSQL (target): the runbook it
//! writes passes `warroom check`, keys its jobs right, lists what it left out, carries no
//! password, and drives a real copy and a clean recon.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use support::servers;
use warroom::db::rows::{execute, fetch_text};
use warroom::db::{DbPool, SecretUrl};

const MY_PW: &str = "s3cr3t-my-Init";
const PG_PW: &str = "s3cr3t-pg-Init";

async fn pool(url: &str) -> DbPool {
    let url = SecretUrl::expand("test", url, |_| None).expect("url");
    DbPool::connect(&url, 2, Duration::from_secs(10))
        .await
        .expect("connect")
}

/// `scheme://user@HOST:PORT/db` -> `HOST:PORT`.
fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).expect("scheme");
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    rest.split('/').next().expect("host").to_string()
}

static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn unique(tag: &str) -> String {
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("wr_init_{tag}_{}_{n}", std::process::id())
}

fn warroom(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
    cmd.current_dir(dir)
        .arg("--log-file")
        .arg(dir.join("warroom.log"))
        .args(args)
        .env_remove("SRC_PASSWORD")
        .env_remove("DST_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run warroom")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A MariaDB database with its own user (password `MY_PW`); returns the URL with the password.
async fn mariadb_source(base: &str) -> (DbPool, String) {
    let db = unique("src");
    let user = unique("u");
    let admin = pool(base).await;
    execute(
        &admin,
        &format!(
            "DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}; \
             DROP USER IF EXISTS '{user}'@'%'; DROP USER IF EXISTS '{user}'@'localhost'; \
             CREATE USER '{user}'@'%' IDENTIFIED BY '{MY_PW}'; \
             CREATE USER '{user}'@'localhost' IDENTIFIED BY '{MY_PW}'; \
             GRANT ALL ON {db}.* TO '{user}'@'%'; GRANT ALL ON {db}.* TO '{user}'@'localhost'"
        ),
    )
    .await
    .expect("source database and user");
    admin.close().await;
    let url = format!("mysql://{user}:{MY_PW}@{}/{db}", host_port(base));
    let p = pool(&url).await;
    execute(
        &p,
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount INT); \
         INSERT INTO orders SELECT seq, CONCAT('c', seq), seq * 3 FROM seq_1_to_500; \
         CREATE TABLE order_lines (order_id BIGINT NOT NULL, line INT NOT NULL, sku VARCHAR(20), \
           PRIMARY KEY (order_id, line)); \
         INSERT INTO order_lines SELECT o.seq, l.seq, CONCAT('sku-', o.seq, '-', l.seq) \
           FROM seq_1_to_100 o, seq_1_to_3 l; \
         CREATE TABLE audit_log (msg VARCHAR(100), at DATETIME); \
         INSERT INTO audit_log VALUES ('a', NOW()), ('a', NOW()); \
         CREATE TABLE legacy_only (id INT PRIMARY KEY)",
    )
    .await
    .expect("source tables");
    (p, url)
}

/// A PostgreSQL database; the URL carries `PG_PW` (trust authentication ignores it).
async fn postgres_target(base: &str) -> (DbPool, String) {
    let db = unique("dst");
    let admin = pool(base).await;
    execute(&admin, &format!("DROP DATABASE IF EXISTS {db}"))
        .await
        .expect("drop");
    execute(&admin, &format!("CREATE DATABASE {db}"))
        .await
        .expect("create database");
    admin.close().await;
    let url = format!("postgres://postgres:{PG_PW}@{}/{db}", host_port(base));
    let p = pool(&url).await;
    execute(
        &p,
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount INT); \
         CREATE TABLE order_lines (order_id BIGINT NOT NULL, line INT NOT NULL, sku VARCHAR(20), \
           PRIMARY KEY (order_id, line)); \
         CREATE TABLE audit_log (msg VARCHAR(100), at TIMESTAMP); \
         CREATE TABLE new_only (id INT PRIMARY KEY)",
    )
    .await
    .expect("target tables");
    (p, url)
}

async fn count(p: &DbPool, table: &str) -> i64 {
    let rows = fetch_text(p, &format!("SELECT COUNT(*)::text FROM {table}"))
        .await
        .expect("count");
    rows[0][0].as_deref().expect("n").parse().expect("number")
}

#[tokio::test]
async fn init_writes_a_runbook_that_checks_copies_and_reconciles() {
    let (Some(my), Some(pg)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (_src, src_url) = mariadb_source(&my).await;
    let (dst, dst_url) = postgres_target(&pg).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = "runbooks/rehearsal.toml";

    let out = warroom(
        dir.path(),
        &[
            "init", "--source", &src_url, "--target", &dst_url, "-o", file,
        ],
        &[],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "init failed: {stdout}\n{stderr}");
    assert!(stdout.contains(&format!("wrote {file}")), "{stdout}");
    assert!(
        stdout.contains(&format!("warroom check {file}")),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("warroom run {file}")), "{stdout}");
    assert!(stderr.contains("needs a decision: audit_log"), "{stderr}");
    assert!(
        stderr.contains("only on the source: legacy_only"),
        "{stderr}"
    );
    assert!(stderr.contains("only on the target: new_only"), "{stderr}");
    for secret in [MY_PW, PG_PW] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }

    let path = dir.path().join(file);
    let runbook = std::fs::read_to_string(&path).expect("the runbook was written");
    assert!(
        !runbook.contains(MY_PW),
        "the source password leaked:\n{runbook}"
    );
    assert!(
        !runbook.contains(PG_PW),
        "the target password leaked:\n{runbook}"
    );
    assert!(runbook.contains(":${SRC_PASSWORD}@"), "{runbook}");
    assert!(
        runbook.contains("postgres://postgres:${DST_PASSWORD}@"),
        "{runbook}"
    );
    let decision = runbook
        .split("NEEDS A DECISION")
        .nth(1)
        .and_then(|s| s.split("[runbook]").next())
        .expect("a needs-a-decision block at the top");
    assert!(
        decision.contains("audit_log: on the source: no primary key"),
        "{decision}"
    );
    let header = runbook.split("[runbook]").next().expect("header");
    assert!(header.contains("ONLY ON THE SOURCE") && header.contains("#   - legacy_only"));
    assert!(header.contains("ONLY ON THE TARGET") && header.contains("#   - new_only"));

    let loaded = warroom::runbook::parse_str("rehearsal.toml", &runbook).expect("it parses");
    let rb = loaded.runbook;
    let copies: Vec<(&str, &str, Vec<String>)> = rb
        .copies
        .iter()
        .map(|c| (c.name.as_str(), c.target_table.as_str(), c.key.clone()))
        .collect();
    assert_eq!(
        copies,
        vec![
            (
                "order_lines",
                "order_lines",
                vec!["order_id".to_string(), "line".to_string()]
            ),
            ("orders", "orders", vec!["id".to_string()]),
        ]
    );
    let recons: Vec<&str> = rb.recons.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(recons, vec!["order_lines", "orders"]);
    let gate = rb.step("go-no-go").expect("a go/no-go step");
    assert!(gate.gate);
    assert_eq!(gate.approvers, vec!["coordinator", "app-owner"]);
    assert!(rb.step("switch").expect("switch").irreversible);
    let probes: Vec<&str> = rb.probes.iter().map(|p| p.name.as_str()).collect();
    assert!(probes.contains(&"src-reachable") && probes.contains(&"dst-reachable"));
    // Latency probes on both servers (a SQL probe without a query measures the round trip),
    // and every copy slows down while the source's is not green.
    let latency = rb
        .probes
        .iter()
        .find(|p| p.name == "src-latency")
        .expect("a source latency probe");
    assert!(latency.query.is_none(), "{latency:?}");
    assert!(probes.contains(&"dst-latency"));
    for c in &rb.copies {
        assert_eq!(
            c.throttle,
            vec![warroom::runbook::ThrottleRule::Probe {
                probe: "src-latency".into()
            }],
            "{}",
            c.name
        );
    }

    let check = warroom(dir.path(), &["check", "--strict", file], &[]);
    assert!(
        check.status.success(),
        "check refused the generated runbook:\n{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );

    // The passwords come from the environment now.
    let env = [("SRC_PASSWORD", MY_PW), ("DST_PASSWORD", PG_PW)];
    for (job, rows) in [("orders", 500), ("order_lines", 300)] {
        let copy = warroom(dir.path(), &["copy", file, "--job", job], &env);
        assert!(
            copy.status.success(),
            "copy {job}: {}{}",
            text(&copy.stdout),
            text(&copy.stderr)
        );
        assert_eq!(count(&dst, job).await, rows);
        let recon = warroom(dir.path(), &["recon", file, "--job", job], &env);
        assert_eq!(
            recon.status.code(),
            Some(0),
            "recon {job}: {}{}",
            text(&recon.stdout),
            text(&recon.stderr)
        );
    }
    // A broken row is a mismatch: the recon really compares.
    execute(&dst, "UPDATE orders SET amount = -1 WHERE id = 7")
        .await
        .expect("break a row");
    let recon = warroom(dir.path(), &["recon", file, "--job", "orders"], &env);
    assert_eq!(recon.status.code(), Some(1), "{}", text(&recon.stdout));

    // Never overwrites without --force.
    let before = std::fs::read_to_string(&path).expect("read");
    let again = warroom(
        dir.path(),
        &[
            "init", "--source", &src_url, "--target", &dst_url, "-o", file,
        ],
        &[],
    );
    assert_eq!(again.status.code(), Some(1));
    let err = text(&again.stderr);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    std::fs::write(&path, "# mine\n").expect("write");
    let forced = warroom(
        dir.path(),
        &[
            "init", "--source", &src_url, "--target", &dst_url, "-o", file, "--tables", "order*",
            "--force",
        ],
        &[],
    );
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    let narrowed = std::fs::read_to_string(&path).expect("read");
    assert_ne!(narrowed, before);
    assert!(narrowed.contains("name = \"orders\"") && narrowed.contains("name = \"order_lines\""));
    assert!(!narrowed.contains("audit_log") && !narrowed.contains("legacy_only"));
}

/// `--create-target`: a table only on the source gets jobs whose copy creates it on the
/// target; the runbook still checks, and the copy and a clean recon run through it.
#[tokio::test]
async fn init_with_create_target_lets_the_copy_make_the_missing_tables() {
    let (Some(my), Some(pg)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (src, src_url) = mariadb_source(&my).await;
    execute(
        &src,
        "INSERT INTO legacy_only SELECT seq FROM seq_1_to_40; \
         CREATE TABLE bare_only (note VARCHAR(10))",
    )
    .await
    .expect("source-only rows");
    let (dst, dst_url) = postgres_target(&pg).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = "rehearsal.toml";
    let out = warroom(
        dir.path(),
        &[
            "init",
            "--source",
            &src_url,
            "--target",
            &dst_url,
            "-o",
            file,
            "--create-target",
        ],
        &[],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "init failed: {stderr}");
    assert!(
        !stderr.contains("only on the source: legacy_only"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "needs a decision: bare_only: only on the source, and its copy cannot create it"
        ),
        "{stderr}"
    );
    let runbook = std::fs::read_to_string(dir.path().join(file)).expect("written");
    let rb = warroom::runbook::parse_str(file, &runbook)
        .expect("it parses")
        .runbook;
    let created: Vec<(&str, bool)> = rb
        .copies
        .iter()
        .map(|c| (c.name.as_str(), c.create_target))
        .collect();
    assert_eq!(
        created,
        vec![
            ("legacy_only", true),
            ("order_lines", false),
            ("orders", false)
        ]
    );
    let check = warroom(dir.path(), &["check", "--strict", file], &[]);
    assert!(
        check.status.success(),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );

    let env = [("SRC_PASSWORD", MY_PW), ("DST_PASSWORD", PG_PW)];
    let copy = warroom(dir.path(), &["copy", file, "--job", "legacy_only"], &env);
    let said = format!("{}{}", text(&copy.stdout), text(&copy.stderr));
    assert!(copy.status.success(), "{said}");
    assert!(said.contains("created the target table"), "{said}");
    assert_eq!(count(&dst, "legacy_only").await, 40);
    let recon = warroom(dir.path(), &["recon", file, "--job", "legacy_only"], &env);
    assert_eq!(recon.status.code(), Some(0), "{}", text(&recon.stdout));
}

#[tokio::test]
async fn init_says_what_to_do_with_bad_input() {
    let (Some(my), Some(pg)) = (servers::mysql(), servers::postgres()) else {
        return;
    };
    let (_src, src_url) = mariadb_source(&my).await;
    let dir = tempfile::tempdir().expect("tempdir");

    // An unreachable target: one sentence, no password.
    let out = warroom(
        dir.path(),
        &[
            "init",
            "--source",
            &src_url,
            "--target",
            &format!("postgres://postgres:{PG_PW}@127.0.0.1:1/nowhere"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("cannot read the target schema"), "{err}");
    assert!(
        err.contains("${DST_PASSWORD}") && !err.contains(PG_PW),
        "{err}"
    );
    assert!(!dir.path().join("rehearsal.toml").exists());

    // A pattern that matches nothing, and a bad pattern.
    let out = warroom(
        dir.path(),
        &[
            "init",
            "--source",
            &src_url,
            "--target",
            &pg,
            "--tables",
            "nothing_like_it*",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("matches no table on either side"), "{err}");
    assert!(err.contains("orders"), "names the tables there are: {err}");
    let out = warroom(
        dir.path(),
        &[
            "init", "--source", &src_url, "--target", &pg, "--tables", "pay[0-9]",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("only wildcards are *"));

    // An empty target database: nothing on both sides.
    let (empty, empty_url) = {
        let db = unique("empty");
        let admin = pool(&pg).await;
        execute(&admin, &format!("DROP DATABASE IF EXISTS {db}"))
            .await
            .expect("drop");
        execute(&admin, &format!("CREATE DATABASE {db}"))
            .await
            .expect("create");
        admin.close().await;
        let url = format!("postgres://postgres@{}/{db}", host_port(&pg));
        (pool(&url).await, url)
    };
    let out = warroom(
        dir.path(),
        &["init", "--source", &src_url, "--target", &empty_url],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no table is on both sides"), "{err}");
    assert!(err.contains("create the target tables first"), "{err}");
    empty.close().await;
}

//! The text of a first runbook for a rehearsal (`warroom init`): people to fill in, the two
//! connections, one copy and one recon job per table, the standard phases and the health
//! probes. Pure: the caller reads the schemas and hands over what it found.

use std::fmt::Write as _;

/// The engine behind a connection, as far as the runbook's SQL cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    MySql,
    Postgres,
    Sqlite,
}

/// One runbook connection.
#[derive(Debug, Clone)]
pub struct Side {
    /// The URL as written in the runbook: its password is a `${VAR}`.
    pub url_template: String,
    pub engine: Engine,
}

/// A table found on both sides, with the key its jobs walk.
#[derive(Debug, Clone)]
pub struct TableJob {
    /// The job's name (an identifier).
    pub job: String,
    pub source_table: String,
    pub target_table: String,
    pub key: Vec<String>,
    /// Why this key (e.g. "primary key", "unique key `uq_x`").
    pub key_from: String,
    /// Remarks written above the job (extra target columns and the like).
    pub notes: Vec<String>,
    /// The table is only on the source and its copy creates it (`init --create-target`).
    pub create_target: bool,
}

/// What the schemas held.
#[derive(Debug, Clone)]
pub struct Scaffold {
    pub source: Side,
    pub target: Side,
    /// Where the file will be written (for the commands in its instructions).
    pub file: String,
    /// When, as text (a comment).
    pub generated_at: String,
    pub tables: Vec<TableJob>,
    /// Tables on both sides that get no job: (source table, why).
    pub undecided: Vec<(String, String)>,
    pub source_only: Vec<String>,
    pub target_only: Vec<String>,
}

pub const SOURCE: &str = "src";
pub const TARGET: &str = "dst";

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn quote_ident(engine: Engine, ident: &str) -> String {
    match engine {
        Engine::MySql => format!("`{}`", ident.replace('`', "``")),
        _ => format!("\"{}\"", ident.replace('"', "\"\"")),
    }
}

struct Step<'a> {
    id: String,
    title: String,
    dri: &'a str,
    reviewer: &'a str,
    planned: &'a str,
    after: Option<Vec<String>>,
    instructions: String,
    action: Option<String>,
    requires: Vec<String>,
    rollback: Option<String>,
    extra: &'a [&'a str],
}

impl Step<'_> {
    fn new<'a>(
        id: &str,
        title: &str,
        dri: &'a str,
        reviewer: &'a str,
        planned: &'a str,
    ) -> Step<'a> {
        Step {
            id: id.to_string(),
            title: title.to_string(),
            dri,
            reviewer,
            planned,
            after: None,
            instructions: String::new(),
            action: None,
            requires: Vec::new(),
            rollback: None,
            extra: &[],
        }
    }

    fn write(&self, out: &mut String) {
        let _ = writeln!(out, "\n[[phase.step]]");
        let _ = writeln!(out, "id = {}", toml_str(&self.id));
        let _ = writeln!(out, "title = {}", toml_str(&self.title));
        let _ = writeln!(out, "dri = {}", toml_str(self.dri));
        let _ = writeln!(out, "reviewer = {}", toml_str(self.reviewer));
        let _ = writeln!(out, "planned = {}", toml_str(self.planned));
        if let Some(after) = &self.after {
            let _ = writeln!(out, "after = {}", list(after));
        }
        if !self.instructions.is_empty() {
            let _ = writeln!(out, "instructions = {}", toml_str(&self.instructions));
        }
        if let Some(action) = &self.action {
            let _ = writeln!(out, "action = {action}");
        }
        if !self.requires.is_empty() {
            let _ = writeln!(out, "requires = {}", list(&self.requires));
        }
        for line in self.extra {
            let _ = writeln!(out, "{line}");
        }
        if let Some(rollback) = &self.rollback {
            let _ = writeln!(out, "rollback = {}", toml_str(rollback));
        }
    }
}

fn phase(out: &mut String, name: &str) {
    let _ = writeln!(
        out,
        "\n# {:-<78}\n\n[[phase]]\nname = {}",
        "",
        toml_str(name)
    );
}

/// How writes are frozen on the source: (instructions, undo, probe query reading 1 when
/// frozen).
fn freeze(engine: Engine) -> (&'static str, &'static str, Option<&'static str>) {
    match engine {
        Engine::MySql => (
            "SET GLOBAL read_only = ON; on the source (accounts with SUPER or READ_ONLY ADMIN \
             still write: stop those clients too). Note the binlog position (SHOW MASTER \
             STATUS) in the log (n).",
            "SET GLOBAL read_only = OFF; on the source: writes resume there.",
            Some("SELECT @@global.read_only"),
        ),
        Engine::Postgres => (
            "ALTER DATABASE <db> SET default_transaction_read_only = on; on the source, then end \
             the sessions that were open before it (SELECT pg_terminate_backend(pid) FROM \
             pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()).",
            "ALTER DATABASE <db> RESET default_transaction_read_only; on the source: new \
             sessions write again.",
            Some(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d \
                 ON d.oid = s.setdatabase WHERE d.datname = current_database() \
                 AND 'default_transaction_read_only=on' = ANY (s.setconfig)) THEN 1 ELSE 0 END",
            ),
        ),
        Engine::Sqlite => (
            "Stop every process that writes the source database file.",
            "Start the writers again.",
            None,
        ),
    }
}

/// `1 table`, `3 tables`.
pub fn tables(n: usize) -> String {
    format!("{n} table{}", if n == 1 { "" } else { "s" })
}

/// The runbook's text.
pub fn render(s: &Scaffold) -> String {
    let mut out = String::new();
    let file = &s.file;
    let _ = writeln!(
        out,
        "# A first runbook for a rehearsal, written by `warroom init` on {}.\n#\n\
         #   source ({SOURCE}): {}\n#   target ({TARGET}): {}\n#\n\
         # Before the first drill: put real names and contacts on the people, adjust the\n\
         # planned durations to your data, and read every step's instructions. Passwords\n\
         # come from the environment: export SRC_PASSWORD and DST_PASSWORD (empty when the\n\
         # server needs none) before `warroom run`. The format: docs/runbook.md.",
        s.generated_at, s.source.url_template, s.target.url_template
    );
    if !s.undecided.is_empty() {
        let _ = writeln!(
            out,
            "#\n# NEEDS A DECISION: these tables are on both sides but got no job.\n\
             # Give each a key (or decide how else to move it), then add its [[copy]] and [[recon]]."
        );
        for (table, why) in &s.undecided {
            let _ = writeln!(out, "#   - {table}: {why}");
        }
    }
    if !s.source_only.is_empty() {
        let _ = writeln!(
            out,
            "#\n# ONLY ON THE SOURCE (no table of that name on the target; create it there, let\n\
             # the copy create it (`warroom init --create-target`), or decide it stays behind):"
        );
        for t in &s.source_only {
            let _ = writeln!(out, "#   - {t}");
        }
    }
    if !s.target_only.is_empty() {
        let _ = writeln!(
            out,
            "#\n# ONLY ON THE TARGET (nothing is copied into these):"
        );
        for t in &s.target_only {
            let _ = writeln!(out, "#   - {t}");
        }
    }

    let _ = writeln!(
        out,
        "\n[runbook]\nname = \"rehearsal: {tables}\"\nkind = \"drill\"\n\
         description = \"Copy, verify and switch {tables}. Written by warroom init; edit to fit.\"\n\
         coordinator = \"coordinator\"",
        tables = tables(s.tables.len())
    );
    for (handle, role) in [
        ("coordinator", "migration coordinator"),
        ("dba", "DBA"),
        ("sre", "SRE"),
        ("app-owner", "application owner"),
    ] {
        let _ = writeln!(
            out,
            "\n[people.{handle}]\nname = \"TODO: the {role}'s name\"\nrole = {}\ncontact = \"TODO\"",
            toml_str(role)
        );
    }
    let _ = writeln!(
        out,
        "\n[connections.{SOURCE}]\nurl = {}\n\n[connections.{TARGET}]\nurl = {}",
        toml_str(&s.source.url_template),
        toml_str(&s.target.url_template)
    );

    // ---------------------------------------------------------------- jobs
    let _ = writeln!(out, "\n# {:-<62} jobs", "");
    for t in &s.tables {
        let _ = writeln!(out);
        for note in &t.notes {
            let _ = writeln!(out, "# {}: {note}", t.source_table);
        }
        let _ = writeln!(
            out,
            "[[copy]]\nname = {}\nsource = \"{SOURCE}\"\nsource_table = {}\ntarget = \"{TARGET}\"\n\
             target_table = {}\nkey = {}   # {}",
            toml_str(&t.job),
            toml_str(&t.source_table),
            toml_str(&t.target_table),
            list(&t.key),
            t.key_from
        );
        if t.create_target {
            let _ = writeln!(
                out,
                "# Only on the source: the copy creates it on the target by the type mapping\n\
                 # (docs/type-mapping.md), its secondary indexes after the load.\n\
                 create_target = true"
            );
        }
        let _ = writeln!(
            out,
            "[[copy.throttle]]   # pause while the source's latency is not green\n\
             kind = \"probe\"\nprobe = \"src-latency\""
        );
    }
    for t in &s.tables {
        let _ = writeln!(
            out,
            "\n[[recon]]\nname = {}\nsource = \"{SOURCE}\"\nsource_table = {}\ntarget = \"{TARGET}\"\n\
             target_table = {}\nkey = {}",
            toml_str(&t.job),
            toml_str(&t.source_table),
            toml_str(&t.target_table),
            list(&t.key)
        );
    }

    // ---------------------------------------------------------------- probes
    let (freeze_how, unfreeze, frozen_query) = freeze(s.source.engine);
    // A SQL probe with no query would sample the round trip of SELECT 1 (src/health/sql.rs),
    // but `check` requires a query: this one answers 1, and its sample carries the latency.
    for (name, conn) in [("src-reachable", SOURCE), ("dst-reachable", TARGET)] {
        let _ = writeln!(
            out,
            "\n[[probe]]\nname = \"{name}\"\nkind = \"sql\"\nconnection = \"{conn}\"\n\
             query = \"SELECT 1\"\ninterval = \"5s\"\ntimeout = \"2s\"\ncritical = {{ below = 1.0 }}"
        );
    }
    // The servers' latency as the copy's load adds to it: the copies slow down (throttle)
    // while the source's goes amber. Tune the thresholds to what production tolerates.
    for (name, conn) in [("src-latency", SOURCE), ("dst-latency", TARGET)] {
        let _ = writeln!(
            out,
            "\n[[probe]]\nname = \"{name}\"\nkind = \"sql\"   # no query: the round trip of SELECT 1\n\
             connection = \"{conn}\"\nunit = \"ms\"\ninterval = \"5s\"\ntimeout = \"2s\"\n\
             warn = {{ above = 50.0 }}\ncritical = {{ above = 250.0 }}"
        );
    }
    if let Some(q) = frozen_query {
        let _ = writeln!(
            out,
            "\n[[probe]]\nname = \"src-writes-frozen\"\nkind = \"sql\"\nconnection = \"{SOURCE}\"\n\
             query = {}\ninterval = \"5s\"\nwarn = {{ below = 1.0 }}",
            toml_str(q)
        );
    }

    // ---------------------------------------------------------------- phases
    phase(&mut out, "pre-checks");
    let mut st = Step::new("source-reachable", "The source answers", "sre", "dba", "5m");
    st.after = Some(Vec::new());
    st.instructions = "The src-reachable probe must be green (SELECT 1 answers within 2 s).".into();
    st.action = Some("{ check = { probe = \"src-reachable\" } }".into());
    st.write(&mut out);
    let mut st = Step::new("target-reachable", "The target answers", "sre", "dba", "5m");
    st.after = Some(Vec::new());
    st.instructions = "The dst-reachable probe must be green (SELECT 1 answers within 2 s).".into();
    st.action = Some("{ check = { probe = \"dst-reachable\" } }".into());
    st.write(&mut out);
    let exists: Vec<String> = s
        .tables
        .iter()
        .map(|t| {
            format!(
                "CASE WHEN EXISTS (SELECT 1 FROM {}) THEN 1 ELSE 0 END",
                quote_ident(s.target.engine, &t.target_table)
            )
        })
        .collect();
    let sql = format!("SELECT {}", exists.join(" + "));
    let mut st = Step::new(
        "target-empty",
        "The target tables are empty",
        "dba",
        "sre",
        "5m",
    );
    st.after = Some(vec!["source-reachable".into(), "target-reachable".into()]);
    st.instructions = format!(
        "The copy never truncates and refuses a non-empty target table. Empty them on the \
         target (TRUNCATE), or copy over what they hold with \
         `warroom copy {file} --job JOB --restart --overwrite`."
    );
    st.action = Some(format!(
        "{{ check = {{ sql = {}, connection = \"{TARGET}\", expect = {{ at_most = 0 }} }} }}",
        toml_str(&sql)
    ));
    st.write(&mut out);

    phase(&mut out, "backfill");
    for t in &s.tables {
        let mut st = Step::new(
            &format!("backfill-{}", t.job),
            &format!("Copy {}", t.source_table),
            "dba",
            "sre",
            "30m",
        );
        st.after = Some(vec!["target-empty".into()]);
        st.instructions = format!(
            "Copies {} by its key ({}). If it stops, start it again: it resumes from its checkpoint.",
            t.source_table,
            t.key.join(", ")
        );
        st.action = Some(format!("{{ copy = {} }}", toml_str(&t.job)));
        st.rollback = Some(format!(
            "TRUNCATE {} on the target, then start over: warroom copy {file} --job {} --restart",
            t.target_table, t.job
        ));
        st.write(&mut out);
    }

    phase(&mut out, "recon");
    for t in &s.tables {
        let mut st = Step::new(
            &format!("recon-{}", t.job),
            &format!("Recon {}: zero mismatches", t.source_table),
            "sre",
            "dba",
            "15m",
        );
        st.after = Some(vec![format!("backfill-{}", t.job)]);
        st.instructions = format!(
            "Checksums per chunk on both sides. The source still takes writes, so rows changed \
             since the copy may differ: the final recon decides. Fix SQL: warroom recon {file} \
             --job {} --fix-sql fix-{}.sql",
            t.job, t.job
        );
        st.action = Some(format!("{{ recon = {} }}", toml_str(&t.job)));
        st.requires = vec![format!("copy:{}", t.job)];
        st.write(&mut out);
    }

    phase(&mut out, "freeze");
    let mut st = Step::new(
        "stop-writers",
        "Stop the application's writes",
        "app-owner",
        "sre",
        "10m",
    );
    st.after = Some(
        s.tables
            .iter()
            .map(|t| format!("recon-{}", t.job))
            .collect(),
    );
    st.instructions = "Put the application in maintenance mode (or stop its writers and batch \
                       jobs). Check: no write traffic on the application's dashboard."
        .into();
    st.rollback = Some("Take the application out of maintenance mode.".into());
    st.write(&mut out);
    let mut st = Step::new(
        "freeze-writes",
        "Freeze writes on the source",
        "dba",
        "sre",
        "5m",
    );
    st.instructions = freeze_how.to_string();
    if frozen_query.is_some() {
        st.action = Some("{ check = { probe = \"src-writes-frozen\" } }".into());
    }
    st.rollback = Some(unfreeze.to_string());
    st.write(&mut out);

    phase(&mut out, "delta");
    let commands: Vec<String> = s
        .tables
        .iter()
        .map(|t| {
            format!(
                "  warroom copy {file} --job {} --restart --overwrite",
                t.job
            )
        })
        .collect();
    let mut st = Step::new(
        "delta",
        "Second copy pass, writes frozen",
        "dba",
        "sre",
        "30m",
    );
    st.instructions = format!(
        "With the source frozen, copy every table again over what the target holds (a row with \
         the same key takes the source's values):\n{}\nRows deleted on the source since the \
         backfill are found by the final recon (fix them with its --fix-sql).",
        commands.join("\n")
    );
    st.rollback = Some(
        "Nothing to undo on the source, and nothing reads the target yet: roll back the freeze."
            .into(),
    );
    st.write(&mut out);

    phase(&mut out, "final recon");
    for t in &s.tables {
        let mut st = Step::new(
            &format!("final-recon-{}", t.job),
            &format!("Final recon {}: zero mismatches", t.source_table),
            "sre",
            "dba",
            "15m",
        );
        st.after = Some(vec!["delta".into()]);
        st.instructions = format!(
            "Writes are frozen: any mismatch is a NO-GO unless fixed and re-checked. Fix SQL: \
             warroom recon {file} --job {} --fix-sql fix-{}.sql",
            t.job, t.job
        );
        st.action = Some(format!("{{ recon = {} }}", toml_str(&t.job)));
        st.write(&mut out);
    }

    phase(&mut out, "go/no-go");
    let mut st = Step::new(
        "go-no-go",
        "GO / NO-GO for the switch",
        "coordinator",
        "dba",
        "10m",
    );
    st.after = Some(
        s.tables
            .iter()
            .map(|t| format!("final-recon-{}", t.job))
            .collect(),
    );
    st.instructions = "Ask each in turn for GO or NO-GO: the DBA (source frozen, recon clean), \
                       the SRE (target healthy), the app owner (application ready to point at \
                       the target). Any NO-GO: roll back (unfreeze the source) and reschedule."
        .into();
    st.requires = s
        .tables
        .iter()
        .map(|t| format!("recon:{}", t.job))
        .collect();
    if frozen_query.is_some() {
        st.requires.push("probe:src-writes-frozen".into());
    }
    st.requires.push("probe:dst-reachable".into());
    st.extra = &[
        "gate = true",
        "approvers = [\"coordinator\", \"app-owner\"]",
    ];
    st.write(&mut out);

    phase(&mut out, "switch");
    let mut st = Step::new(
        "sequences",
        "Move sequences and auto-increments past the source's values",
        "dba",
        "sre",
        "10m",
    );
    st.instructions = "For every table with an auto-increment or identity column: read its next \
                       value on the source and set the target's past it, with a margin \
                       (PostgreSQL: SELECT setval('<table>_<column>_seq', <value> + 1000))."
        .into();
    st.rollback = Some("Nothing to undo: sequences moved forward are harmless.".into());
    st.write(&mut out);
    let mut st = Step::new(
        "switch",
        "Point the application at the target",
        "sre",
        "app-owner",
        "10m",
    );
    st.instructions = "Deploy the application's configuration that points at the target, then \
                       take it out of maintenance mode. From here writes land on the target \
                       only: this is the point of no return. Keep the source frozen."
        .into();
    st.extra = &["irreversible = true"];
    st.rollback =
        Some("None: roll forward. Writes since the switch exist only on the target.".into());
    st.write(&mut out);

    phase(&mut out, "post-checks");
    let mut st = Step::new(
        "smoke",
        "Smoke tests against the target",
        "app-owner",
        "sre",
        "15m",
    );
    st.instructions = "Run the application's smoke tests: read, create and update a record.".into();
    st.action = Some("{ check = { probe = \"dst-reachable\" } }".into());
    st.write(&mut out);
    let mut st = Step::new(
        "watch",
        "Watch errors and latency for 30 minutes",
        "sre",
        "coordinator",
        "30m",
    );
    st.instructions = "Error rate and latency on the application's dashboards stay at their usual levels; dst-reachable stays green.".into();
    st.write(&mut out);
    let mut st = Step::new("close", "Close the drill", "coordinator", "app-owner", "5m");
    st.instructions = "Announce the end, note the open items for the next rehearsal, and keep the journal for the report (warroom report JOURNAL).".into();
    st.write(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(source: Engine) -> Scaffold {
        Scaffold {
            source: Side {
                url_template: "mysql://app:${SRC_PASSWORD}@db1:3306/pay".into(),
                engine: source,
            },
            target: Side {
                url_template: "postgres://app:${DST_PASSWORD}@pg1/pay".into(),
                engine: Engine::Postgres,
            },
            file: "runbooks/pay.toml".into(),
            generated_at: "2026-12-01T10:00:00Z".into(),
            tables: vec![
                TableJob {
                    job: "orders".into(),
                    source_table: "orders".into(),
                    target_table: "orders".into(),
                    key: vec!["id".into()],
                    key_from: "primary key".into(),
                    notes: vec![],
                    create_target: false,
                },
                TableJob {
                    job: "order_lines".into(),
                    source_table: "order_lines".into(),
                    target_table: "order_lines".into(),
                    key: vec!["order_id".into(), "line".into()],
                    key_from: "primary key".into(),
                    notes: vec!["the target also has column \"x\"".into()],
                    create_target: false,
                },
            ],
            undecided: vec![("audit".into(), "no primary key".into())],
            source_only: vec!["legacy".into()],
            target_only: vec!["new_table".into()],
        }
    }

    #[test]
    fn the_scaffold_parses_without_errors_or_warnings() {
        for engine in [Engine::MySql, Engine::Postgres, Engine::Sqlite] {
            let text = render(&sample(engine));
            let loaded = crate::runbook::parse_str("pay.toml", &text)
                .unwrap_or_else(|d| panic!("{d:#?}\n{text}"));
            assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
            let rb = loaded.runbook;
            assert_eq!(rb.copies.len(), 2);
            assert_eq!(rb.copies[1].key, vec!["order_id", "line"]);
            let gate = rb.step("go-no-go").expect("gate");
            assert!(gate.gate);
            assert!(rb.step("switch").expect("switch").irreversible);
            assert!(text.contains("#   - audit: no primary key"));
            assert!(text.contains("ONLY ON THE SOURCE"));
            assert!(text.contains("#   - new_table"));
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(toml_str("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}

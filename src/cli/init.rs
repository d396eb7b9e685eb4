//! `warroom init --source URL --target URL [--tables PATTERN] [-o FILE] [--force]`: reads
//! both schemas and writes a first rehearsal runbook that passes `warroom check`.
//!
//! Passwords given in the URLs are used to connect and never written or printed: the
//! runbook carries `${SRC_PASSWORD}` / `${DST_PASSWORD}` in their place.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};

use crate::db::catalog::{list_tables, RowKey, TableInfo};
use crate::db::{DbPool, Dialect, SecretUrl};
use crate::runbook::names::is_identifier;
use crate::runbook::scaffold::{self, Engine, Scaffold, Side, TableJob};

// Doc comments here are the `--help` text, which is read in a terminal, not as Markdown.
#[allow(clippy::doc_markdown)]
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The source database URL (mysql://, postgres://, sqlite://). A password in it is used
    /// to connect and written as ${SRC_PASSWORD}.
    #[arg(long, value_name = "URL")]
    pub source: String,
    /// The target database URL; its password is written as ${DST_PASSWORD}.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// Only these tables: names or globs (`*`, `?`), comma separated: `pay*,refunds`.
    #[arg(long, value_name = "PATTERN")]
    pub tables: Option<String>,
    /// Where to write the runbook.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "rehearsal.toml"
    )]
    pub output: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// Tables only on the source get jobs too: their copy creates them on the target
    /// (`create_target = true`, by the documented type mapping).
    #[arg(long)]
    pub create_target: bool,
}

pub const SRC_VAR: &str = "SRC_PASSWORD";
pub const DST_VAR: &str = "DST_PASSWORD";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `url` with its password (in the user info or a `password=` parameter) replaced by
/// `${var}`, and the password it held. A password that already is a `${VAR}` stays.
pub fn template_url(url: &str, var: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), None);
    };
    let (head, rest) = url.split_at(scheme_end + 3);
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let placeholder = format!("${{{var}}}");
    let mut secret = None;
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, pass)) if pass.starts_with("${") && pass.ends_with('}') => {
                format!("{user}:{pass}@{host}")
            }
            Some((user, "")) => format!("{user}@{host}"),
            Some((user, pass)) => {
                secret = Some(pass.to_string());
                format!("{user}:{placeholder}@{host}")
            }
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, v)) if k.eq_ignore_ascii_case("password") && !v.starts_with("${") => {
                        secret.get_or_insert_with(|| v.to_string());
                        format!("{k}={placeholder}")
                    }
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    (format!("{head}{authority}{tail}"), secret)
}

/// `--tables`: names or globs, comma separated.
#[derive(Debug, Clone)]
pub struct TablePattern(Vec<String>);

impl TablePattern {
    pub fn parse(s: &str) -> anyhow::Result<TablePattern> {
        let mut items = Vec::new();
        for item in s.split(',').map(str::trim) {
            if item.is_empty() {
                bail!(
                    "--tables `{s}` has an empty pattern: write names or globs separated by commas, e.g. --tables 'pay*,refunds'"
                );
            }
            if let Some(c) = item.chars().find(|c| "[]{}!^".contains(*c)) {
                bail!(
                    "--tables: `{c}` in `{item}` is not supported: the only wildcards are * (any run of characters) and ? (one character)"
                );
            }
            items.push(item.to_lowercase());
        }
        Ok(TablePattern(items))
    }

    /// Whether `name` matches any of the patterns (case-insensitively).
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.to_lowercase().chars().collect();
        self.0.iter().any(|p| {
            let p: Vec<char> = p.chars().collect();
            glob(&p, &name)
        })
    }
}

fn glob(p: &[char], s: &[char]) -> bool {
    // Iterative wildcard match with backtracking to the last `*`.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn engine(d: Dialect) -> Engine {
    match d {
        Dialect::MySql => Engine::MySql,
        Dialect::Postgres => Engine::Postgres,
        Dialect::Sqlite => Engine::Sqlite,
    }
}

/// What the two schemas pair up to (before the runbook text).
#[derive(Debug, Default)]
pub struct Pairing {
    pub tables: Vec<TableJob>,
    pub undecided: Vec<(String, String)>,
    pub source_only: Vec<String>,
    pub target_only: Vec<String>,
}

fn job_name(table: &str, taken: &mut BTreeSet<String>) -> String {
    let base: String = if is_identifier(table) {
        table.to_string()
    } else {
        table
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || matches!(c, '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let base = if base.is_empty() {
        "table".into()
    } else {
        base
    };
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The key a table's jobs walk and why that one, or why it has none.
fn keyed(t: &TableInfo) -> Result<(Vec<String>, String), String> {
    match t.row_key() {
        RowKey::Primary(k) => Ok((k, "primary key".to_string())),
        RowKey::Unique { name, columns } => Ok((
            columns,
            format!("unique key {name} (the source has no primary key)"),
        )),
        RowKey::None(why) => Err(why),
    }
}

/// Pairs source and target tables by name (exactly, else case-insensitively when that is
/// unambiguous) and keys each pair, or says why it gets no job.
pub fn pair(
    source: &[TableInfo],
    target: &[TableInfo],
    only: Option<&TablePattern>,
    create_target: bool,
) -> Pairing {
    let wanted = |name: &str| only.is_none_or(|p| p.matches(name));
    let mut out = Pairing::default();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut taken = BTreeSet::new();
    let by_lower: BTreeMap<String, Vec<&TableInfo>> =
        target.iter().fold(BTreeMap::new(), |mut m, t| {
            m.entry(t.name.to_lowercase())
                .or_insert_with(Vec::new)
                .push(t);
            m
        });
    for s in source {
        let t = target.iter().find(|t| t.name == s.name).or_else(|| {
            match by_lower.get(&s.name.to_lowercase()).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                _ => None,
            }
        });
        let Some(t) = t else {
            if !wanted(&s.name) {
                continue;
            }
            if !create_target || s.name.contains('.') {
                out.source_only.push(s.name.clone());
                continue;
            }
            match keyed(s) {
                Ok((key, key_from)) => out.tables.push(TableJob {
                    job: job_name(&s.name, &mut taken),
                    source_table: s.name.clone(),
                    target_table: s.name.clone(),
                    key,
                    key_from,
                    notes: Vec::new(),
                    create_target: true,
                }),
                Err(why) => out.undecided.push((
                    s.name.clone(),
                    format!("only on the source, and its copy cannot create it: {why}"),
                )),
            }
            continue;
        };
        used.insert(t.name.as_str());
        if !wanted(&s.name) && !wanted(&t.name) {
            continue;
        }
        if s.name.contains('.') || t.name.contains('.') {
            out.undecided.push((
                s.name.clone(),
                "its name contains `.`, which a runbook reads as schema.table: rename it or write its jobs by hand".into(),
            ));
            continue;
        }
        let (key, key_from) = match keyed(s) {
            Ok(k) => k,
            Err(why) => {
                out.undecided
                    .push((s.name.clone(), format!("on the source: {why}")));
                continue;
            }
        };
        let missing: Vec<&str> = s
            .columns
            .iter()
            .filter(|c| !t.columns.contains(c))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            out.undecided.push((
                s.name.clone(),
                format!(
                    "the target table {} has no column {}: create {}, or give its jobs `columns` and `rename` by hand",
                    t.name,
                    missing.join(", "),
                    if missing.len() == 1 { "it" } else { "them" }
                ),
            ));
            continue;
        }
        let mut notes = Vec::new();
        let extra: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| !s.columns.contains(c))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            notes.push(format!(
                "the target also has {} (not copied: it needs a default or to allow NULL)",
                extra.join(", ")
            ));
        }
        let target_keyed =
            t.primary_key.as_ref() == Some(&key) || t.unique_keys.iter().any(|k| k.columns == key);
        if !target_keyed {
            notes.push(format!(
                "the target has no primary or unique key on ({}): add one before the copy (a second pass with --overwrite needs it)",
                key.join(", ")
            ));
        }
        out.tables.push(TableJob {
            job: job_name(&s.name, &mut taken),
            source_table: s.name.clone(),
            target_table: t.name.clone(),
            key,
            key_from,
            notes,
            create_target: false,
        });
    }
    for t in target {
        if !used.contains(t.name.as_str()) && wanted(&t.name) {
            out.target_only.push(t.name.clone());
        }
    }
    out
}

async fn connect(
    side: &str,
    template: &str,
    var: &str,
    secret: Option<&str>,
) -> anyhow::Result<DbPool> {
    let url = SecretUrl::expand(side, template, |v| {
        if v == var {
            if let Some(s) = secret {
                return Some(s.to_string());
            }
        }
        std::env::var(v).ok()
    })
    .with_context(|| format!("the {side} URL"))?;
    DbPool::connect(&url, 2, CONNECT_TIMEOUT).await.with_context(|| {
        format!("cannot read the {side} schema: check the --{side} URL and that the server is up and lets this user in")
    })
}

async fn read_side(
    side: &str,
    template: &str,
    var: &str,
    secret: Option<&str>,
) -> anyhow::Result<(Vec<TableInfo>, Dialect)> {
    let pool = connect(side, template, var, secret).await?;
    let tables = list_tables(&pool)
        .await
        .with_context(|| format!("the {side} ({template})"))?;
    let d = pool.dialect();
    pool.close().await;
    Ok((tables, d))
}

pub async fn run(args: &InitArgs) -> anyhow::Result<i32> {
    let pattern = args
        .tables
        .as_deref()
        .map(TablePattern::parse)
        .transpose()?;
    if args.output.exists() && !args.force {
        bail!(
            "{} already exists: choose another file with -o, or pass --force to overwrite it",
            args.output.display()
        );
    }
    let (src_template, src_secret) = template_url(&args.source, SRC_VAR);
    let (dst_template, dst_secret) = template_url(&args.target, DST_VAR);
    let (src_tables, src_dialect) =
        read_side("source", &src_template, SRC_VAR, src_secret.as_deref()).await?;
    let (dst_tables, dst_dialect) =
        read_side("target", &dst_template, DST_VAR, dst_secret.as_deref()).await?;
    if src_tables.is_empty() {
        bail!("the source ({src_template}) has no tables: check the database name in --source");
    }
    let pairing = pair(
        &src_tables,
        &dst_tables,
        pattern.as_ref(),
        args.create_target,
    );
    if let (Some(p), true) = (&args.tables, pairing.tables.is_empty()) {
        let nothing = pairing.undecided.is_empty()
            && pairing.source_only.is_empty()
            && pairing.target_only.is_empty();
        if nothing {
            bail!(
                "--tables `{p}` matches no table on either side: the source has {}",
                names_preview(&src_tables)
            );
        }
    }
    if pairing.tables.is_empty() {
        let why = if pairing.undecided.is_empty() {
            "no table is on both sides".to_string()
        } else {
            format!(
                "no table on both sides can be keyed ({})",
                pairing
                    .undecided
                    .iter()
                    .map(|(t, why)| format!("{t}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        bail!("{why}: create the target tables first (the same names as on the source), then run init again");
    }
    let file = args.output.display().to_string();
    let scaffold = Scaffold {
        source: Side {
            url_template: src_template,
            engine: engine(src_dialect),
        },
        target: Side {
            url_template: dst_template,
            engine: engine(dst_dialect),
        },
        file: file.clone(),
        generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        tables: pairing.tables,
        undecided: pairing.undecided,
        source_only: pairing.source_only,
        target_only: pairing.target_only,
    };
    let text = scaffold::render(&scaffold);
    write_file(&args.output, &text, args.force)?;

    for (t, why) in &scaffold.undecided {
        super::output::note(format_args!("needs a decision: {t}: {why}"));
    }
    for t in &scaffold.source_only {
        super::output::note(format_args!("only on the source: {t}"));
    }
    for t in &scaffold.target_only {
        super::output::note(format_args!("only on the target: {t}"));
    }
    let mut out = super::output::stdout();
    writeln!(
        out,
        "wrote {file}: {}, a copy and a recon job for each ({} left out: see the top of the file)\n\
         next:\n  warroom check {file}\n  export {SRC_VAR}=... {DST_VAR}=...   (empty when the server needs none)\n  warroom run {file}",
        scaffold::tables(scaffold.tables.len()),
        scaffold::tables(
            scaffold.undecided.len() + scaffold.source_only.len() + scaffold.target_only.len()
        ),
    )?;
    Ok(0)
}

fn names_preview(tables: &[TableInfo]) -> String {
    let names: Vec<&str> = tables.iter().take(8).map(|t| t.name.as_str()).collect();
    let more = tables.len().saturating_sub(names.len());
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

fn write_file(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut f = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists: choose another file with -o, or pass --force to overwrite it",
                path.display()
            )
        } else {
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        }
    })?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::catalog::UniqueKey;

    #[test]
    fn passwords_become_variables() {
        assert_eq!(
            template_url("mysql://app:s3cr3t@db1:3306/pay", SRC_VAR),
            (
                "mysql://app:${SRC_PASSWORD}@db1:3306/pay".into(),
                Some("s3cr3t".into())
            )
        );
        assert_eq!(
            template_url("postgres://app@pg1/pay", DST_VAR),
            ("postgres://app@pg1/pay".into(), None)
        );
        assert_eq!(
            template_url("postgres://app:@pg1/pay", DST_VAR),
            ("postgres://app@pg1/pay".into(), None)
        );
        assert_eq!(
            template_url("postgres://app:${PW}@pg1/pay", DST_VAR),
            ("postgres://app:${PW}@pg1/pay".into(), None)
        );
        assert_eq!(
            template_url(
                "postgres://pg1/pay?user=app&password=p%40ss&sslmode=require",
                DST_VAR
            ),
            (
                "postgres://pg1/pay?user=app&password=${DST_PASSWORD}&sslmode=require".into(),
                Some("p%40ss".into())
            )
        );
        assert_eq!(
            template_url("sqlite:///tmp/a.db", SRC_VAR),
            ("sqlite:///tmp/a.db".into(), None)
        );
    }

    #[test]
    fn patterns_are_globs_and_lists() {
        let p = TablePattern::parse("pay*, refunds ,a?c").expect("pattern");
        assert!(p.matches("payments"));
        assert!(p.matches("PAY"));
        assert!(p.matches("refunds"));
        assert!(p.matches("abc"));
        assert!(!p.matches("abbc"));
        assert!(!p.matches("refunds_old"));
        assert!(!p.matches("prepay"));
        assert!(TablePattern::parse("*_log")
            .expect("p")
            .matches("audit_log"));
        let err = TablePattern::parse("a,,b").expect_err("empty item");
        assert!(err.to_string().contains("empty pattern"), "{err}");
        let err = TablePattern::parse("pay[0-9]").expect_err("brackets");
        assert!(err.to_string().contains("only wildcards are *"), "{err}");
    }

    fn t(name: &str, cols: &[&str], pk: Option<&[&str]>) -> TableInfo {
        TableInfo {
            name: name.into(),
            columns: cols.iter().map(ToString::to_string).collect(),
            primary_key: pk.map(|k| k.iter().map(ToString::to_string).collect()),
            unique_keys: vec![],
        }
    }

    #[test]
    fn pairs_by_name_and_keys_or_explains() {
        let mut uniq = t("accounts", &["email", "n"], None);
        uniq.unique_keys.push(UniqueKey {
            name: "uq_email".into(),
            columns: vec!["email".into()],
            not_null: true,
        });
        let src = vec![
            t("Orders", &["id", "v"], Some(&["id"])),
            t("lines", &["o", "n", "v"], Some(&["o", "n"])),
            t("log", &["msg"], None),
            t("legacy", &["id"], Some(&["id"])),
            t("wide", &["id", "gone"], Some(&["id"])),
            uniq.clone(),
        ];
        let dst = vec![
            t("orders", &["id", "v", "extra"], Some(&["id"])),
            t("lines", &["o", "n", "v"], Some(&["o", "n"])),
            t("log", &["msg"], None),
            t("wide", &["id"], Some(&["id"])),
            t("brand_new", &["id"], Some(&["id"])),
            uniq,
        ];
        let p = pair(&src, &dst, None, false);
        let jobs: Vec<(&str, &str, Vec<String>)> = p
            .tables
            .iter()
            .map(|j| (j.job.as_str(), j.target_table.as_str(), j.key.clone()))
            .collect();
        assert_eq!(
            jobs,
            vec![
                ("Orders", "orders", vec!["id".to_string()]),
                ("lines", "lines", vec!["o".to_string(), "n".to_string()]),
                ("accounts", "accounts", vec!["email".to_string()]),
            ]
        );
        assert!(p.tables[0].notes[0].contains("also has extra"));
        assert!(p.tables[2].key_from.contains("uq_email"));
        let undecided: Vec<&str> = p.undecided.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(undecided, vec!["log", "wide"]);
        assert!(
            p.undecided[1].1.contains("no column gone"),
            "{:?}",
            p.undecided
        );
        assert_eq!(p.source_only, vec!["legacy"]);
        assert_eq!(p.target_only, vec!["brand_new"]);

        let only = TablePattern::parse("l*").expect("p");
        let p = pair(&src, &dst, Some(&only), false);
        assert_eq!(p.tables.len(), 1);
        assert_eq!(p.source_only, vec!["legacy"]);
        assert!(p.target_only.is_empty());
    }
}

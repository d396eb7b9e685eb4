//! Who may connect as whom: one secret token per person in the runbook, and optionally one
//! for observers. Tokens come from the environment (`WARROOM_TOKEN_<HANDLE>`,
//! `WARROOM_OBSERVER_TOKEN`) or are made at first start and kept beside the journal
//! (mode 0600), so a coordinator who restarts with `--resume` keeps everyone's invitation
//! valid and their consoles reconnect by themselves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use subtle::ConstantTimeEq;

use super::frame::Identity;
use crate::drill::role::role_of;
use crate::drill::{Actor, Role};
use crate::runbook::Runbook;

/// Whether a connection without a token may watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObserverPolicy {
    /// Anyone who can reach the address may watch, read-only.
    Open,
    /// Observers need the observer token too.
    Token,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("a token is required: ask the coordinator for your invite")]
    Missing,
    #[error("this token is not valid for this drill")]
    Wrong,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("cannot read the token file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a token file ({why}): delete it to make new tokens (invites change)")]
    Invalid { path: PathBuf, why: String },
    #[error("cannot write the token file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no random source for tokens: {0}")]
    Random(String),
}

/// The key under which the observer token is stored.
const OBSERVER: &str = "@observer";

#[derive(Debug, Clone)]
pub struct Tokens {
    /// handle (or [`OBSERVER`]) -> token
    by_handle: BTreeMap<String, String>,
    policy: ObserverPolicy,
    roles: BTreeMap<String, Role>,
}

impl Tokens {
    /// Tokens for every person of `runbook`: from the environment, else from `file`, else new
    /// (and then written to `file`).
    pub fn load_or_create(
        runbook: &Runbook,
        file: &Path,
        policy: ObserverPolicy,
    ) -> Result<Tokens, TokenFileError> {
        let stored = read_file(file)?;
        // What the file keeps: its own tokens and new ones, never the environment's.
        let mut keep = stored.clone();
        let mut changed = false;
        let mut wanted: Vec<String> = runbook.people.iter().map(|p| p.handle.clone()).collect();
        wanted.push(OBSERVER.into());
        let mut by_handle = BTreeMap::new();
        for handle in wanted {
            let token = match std::env::var(env_name(&handle))
                .ok()
                .filter(|t| !t.is_empty())
            {
                Some(t) => t,
                None => {
                    if let Some(t) = stored.get(&handle) {
                        t.clone()
                    } else {
                        changed = true;
                        let t = new_token()?;
                        keep.insert(handle.clone(), t.clone());
                        t
                    }
                }
            };
            by_handle.insert(handle, token);
        }
        if changed {
            write_file(file, &keep)?;
        }
        let roles = runbook
            .people
            .iter()
            .map(|p| {
                let role = role_of(runbook, &Actor::Person(p.handle.clone()));
                (p.handle.clone(), role)
            })
            .collect();
        Ok(Tokens {
            by_handle,
            policy,
            roles,
        })
    }

    /// Who `presented` belongs to. Every stored token is compared, in constant time, so the
    /// time taken tells nothing about how close a guess was.
    pub fn authenticate(&self, presented: Option<&str>) -> Result<Identity, AuthError> {
        let Some(presented) = presented.filter(|t| !t.is_empty()) else {
            return match self.policy {
                ObserverPolicy::Open => Ok(Identity {
                    handle: None,
                    role: Role::Observer,
                }),
                ObserverPolicy::Token => Err(AuthError::Missing),
            };
        };
        let mut found: Option<&str> = None;
        for (handle, token) in &self.by_handle {
            if bool::from(token.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(handle);
            }
        }
        match found {
            None => Err(AuthError::Wrong),
            Some(OBSERVER) => Ok(Identity {
                handle: None,
                role: Role::Observer,
            }),
            Some(handle) => Ok(Identity {
                handle: Some(handle.to_string()),
                role: self.roles.get(handle).copied().unwrap_or(Role::Observer),
            }),
        }
    }

    pub fn token_of(&self, handle: &str) -> Option<&str> {
        self.by_handle.get(handle).map(String::as_str)
    }

    pub fn observer_token(&self) -> Option<&str> {
        match self.policy {
            ObserverPolicy::Open => None,
            ObserverPolicy::Token => self.token_of(OBSERVER),
        }
    }

    /// One command line per person (and for observers), to hand out.
    pub fn invites(&self, url: &str) -> Vec<String> {
        let mut lines: Vec<String> = self
            .by_handle
            .iter()
            .filter(|(h, _)| h.as_str() != OBSERVER)
            .map(|(h, t)| format!("warroom join {url} --as {h} --token {t}"))
            .collect();
        match self.observer_token() {
            Some(t) => lines.push(format!("warroom observe {url} --token {t}")),
            None => lines.push(format!("warroom observe {url}")),
        }
        lines
    }
}

/// `WARROOM_TOKEN_<HANDLE>`: the handle upper-cased, anything not a letter or digit as `_`.
pub fn env_name(handle: &str) -> String {
    if handle == OBSERVER {
        return "WARROOM_OBSERVER_TOKEN".into();
    }
    format!(
        "WARROOM_TOKEN_{}",
        crate::runbook::names::env_suffix(handle)
    )
}

/// Where a journal's tokens are kept: beside it, `<journal>.tokens`.
pub fn file_for(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".tokens");
    PathBuf::from(name)
}

fn new_token() -> Result<String, TokenFileError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| TokenFileError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>, TokenFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(TokenFileError::Read {
                path: path.into(),
                source,
            })
        }
    };
    toml::from_str(&text).map_err(|e| TokenFileError::Invalid {
        path: path.into(),
        why: e.message().to_string(),
    })
}

fn write_file(path: &Path, tokens: &BTreeMap<String, String>) -> Result<(), TokenFileError> {
    let err = |source| TokenFileError::Write {
        path: path.into(),
        source,
    };
    let text = toml::to_string(tokens).map_err(|e| err(std::io::Error::other(e)))?;
    let text =
        format!("# warroom: one secret per person; keep private, delete to re-issue\n{text}");
    write_private(path, &text).map_err(err)
}

/// Writes a file only its owner may read (0600 on Unix), synced to disk: it holds secrets.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runbook() -> Runbook {
        crate::drill::testkit::RunbookBuilder::new("t")
            .person("dev", "DBA")
            .person("olga", "observer")
            .step("copy", "dev", "coord", "5m")
            .build()
    }

    #[test]
    fn tokens_survive_a_restart_and_identify_their_person() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("j.db.tokens");
        let rb = runbook();
        let first = Tokens::load_or_create(&rb, &file, ObserverPolicy::Open).expect("tokens");
        let again = Tokens::load_or_create(&rb, &file, ObserverPolicy::Open).expect("tokens");
        let someone = &rb.people[1].handle;
        let token = first.token_of(someone).expect("a token");
        assert_eq!(again.token_of(someone), Some(token));
        assert_eq!(token.len(), 32);
        let who = again.authenticate(Some(token)).expect("valid");
        assert_eq!(who.handle.as_deref(), Some(someone.as_str()));
        assert_eq!(again.authenticate(Some("nope")), Err(AuthError::Wrong));
        assert_eq!(again.authenticate(None).map(|i| i.role), Ok(Role::Observer));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "token file readable by others");
        }
    }

    #[test]
    fn token_policy_refuses_anonymous_observers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rb = runbook();
        let tokens = Tokens::load_or_create(&rb, &dir.path().join("t"), ObserverPolicy::Token)
            .expect("tokens");
        assert_eq!(tokens.authenticate(None), Err(AuthError::Missing));
        let observer = tokens.observer_token().expect("observer token");
        let who = tokens.authenticate(Some(observer)).expect("observer");
        assert_eq!(who.role, Role::Observer);
        assert!(tokens
            .invites("ws://h:1")
            .iter()
            .any(|l| l.contains("observe")));
    }

    #[test]
    fn a_token_from_the_environment_wins_and_never_reaches_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("t");
        let rb = crate::drill::testkit::RunbookBuilder::new("t")
            .person("envtok-7", "DBA")
            .step("s", "envtok-7", "coord", "1m")
            .build();
        std::env::set_var("WARROOM_TOKEN_ENVTOK_7", "from-the-environment");
        let tokens = Tokens::load_or_create(&rb, &file, ObserverPolicy::Open).expect("tokens");
        std::env::remove_var("WARROOM_TOKEN_ENVTOK_7");
        assert_eq!(tokens.token_of("envtok-7"), Some("from-the-environment"));
        let who = tokens
            .authenticate(Some("from-the-environment"))
            .expect("valid");
        assert_eq!(who.handle.as_deref(), Some("envtok-7"));
        let stored = std::fs::read_to_string(&file).expect("token file");
        assert!(!stored.contains("from-the-environment"), "{stored}");
        assert!(
            stored.contains("coord"),
            "the others' tokens are kept: {stored}"
        );
    }

    #[test]
    fn env_names_are_shell_safe() {
        assert_eq!(env_name("li.wei-2"), "WARROOM_TOKEN_LI_WEI_2");
    }
}

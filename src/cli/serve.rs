//! `--listen`: serves a session's drill to remote consoles and writes the invitations.

use std::path::PathBuf;

use anyhow::Context;

use super::args::ServeArgs;
use super::session::Session;
use crate::net::{self, RunbookText, Served, Tokens};
use crate::runbook::diagnostic::mask_url_passwords;

/// A drill being served.
pub struct Serving {
    pub served: Served,
    /// One `warroom join`/`observe` command line per person (mode 0600: it holds tokens).
    pub invites: PathBuf,
}

impl Serving {
    /// For the console's header.
    pub fn describe(&self) -> String {
        format!(
            "serving {} · invites {}",
            self.served.url(),
            self.invites.display()
        )
    }
}

/// `7300` and `:7300` mean 127.0.0.1:7300: only an explicit address leaves the machine.
pub fn bind_address(given: &str) -> String {
    let given = given.trim();
    if given.chars().all(|c| c.is_ascii_digit()) {
        format!("127.0.0.1:{given}")
    } else if let Some(port) = given.strip_prefix(':') {
        format!("127.0.0.1:{port}")
    } else {
        given.to_string()
    }
}

/// The runbook as remote consoles see it: as written, literal URL passwords masked.
pub fn runbook_text(file: &str, text: &str) -> RunbookText {
    let masked: Vec<String> = text.lines().map(mask_url_passwords).collect();
    RunbookText {
        file: file.to_string(),
        text: masked.join("\n"),
    }
}

/// Starts serving when `--listen` was given.
pub async fn start(
    session: &Session,
    runbook: RunbookText,
    args: &ServeArgs,
) -> anyhow::Result<Option<Serving>> {
    let Some(listen) = &args.listen else {
        return Ok(None);
    };
    let tokens_file = net::tokens::file_for(&session.journal_path);
    let tokens = Tokens::load_or_create(&session.runbook, &tokens_file, args.observers)?;
    let served = net::serve(
        &bind_address(listen),
        &session.hub,
        runbook,
        tokens.clone(),
        session.clock.clone(),
    )
    .await?;
    let mut invites = session.journal_path.clone().into_os_string();
    invites.push(".invites");
    let invites = PathBuf::from(invites);
    let mut text =
        String::from("# warroom: hand each person their own line; the tokens are secrets\n");
    for line in tokens.invites(&served.url()) {
        text.push_str(&line);
        text.push('\n');
    }
    net::tokens::write_private(&invites, &text)
        .with_context(|| format!("cannot write the invites to {}", invites.display()))?;
    tracing::info!(url = %served.url(), invites = %invites.display(), "drill served");
    Ok(Some(Serving { served, invites }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_stays_on_loopback() {
        assert_eq!(bind_address("7300"), "127.0.0.1:7300");
        assert_eq!(bind_address(":7300"), "127.0.0.1:7300");
        assert_eq!(bind_address("0.0.0.0:7300"), "0.0.0.0:7300");
    }
}

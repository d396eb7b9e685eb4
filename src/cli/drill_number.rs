//! The drill's number: the Nth run of this runbook, journaled when its journal is created
//! (`DrillNumbered`), shown in the header and the report. `--drill N` says it; otherwise it
//! is one more than the other journals of the same runbook (by the name they record) in
//! the folder the new journal is in (drills/ by default). A file there that is not a
//! readable journal is not counted.

use std::path::Path;

use crate::drill::{Actor, Command, CommandKind};
use crate::journal::Journal;

use super::session::Session;

/// Other journals of runbook `name` in `dir`, leaving out `own`.
pub async fn earlier_runs(dir: &Path, name: &str, own: &Path) -> u32 {
    let own = own.canonicalize().ok();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0u32;
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if !path.is_file()
            || path.extension().is_none_or(|x| x != "db")
            || path.canonicalize().ok() == own
        {
            continue;
        }
        if let Ok(read) = Journal::read_lenient(&path).await {
            if read.contents.meta.runbook_name == name {
                n = n.saturating_add(1);
            }
        }
    }
    n
}

/// Numbers a fresh drill (`given`: `--drill N`). A refusal (already numbered) is logged.
pub async fn number(session: &Session, given: Option<u32>) -> u32 {
    let number = if let Some(n) = given {
        n
    } else {
        let dir = match session.journal_path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        earlier_runs(dir, &session.runbook.meta.name, &session.journal_path)
            .await
            .saturating_add(1)
    };
    let command = Command {
        by: Actor::System,
        kind: CommandKind::NumberDrill { number },
    };
    if let Err(e) = session.hub.sink().send(command).await {
        tracing::warn!("the drill was not numbered: {e}");
    }
    number
}

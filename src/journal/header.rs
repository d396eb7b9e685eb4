//! A look at the file's first bytes before SQLite opens it for writing, so a torn or
//! foreign file is reported without SQLite touching it (opening for write may initialize
//! what it takes for an empty database).

use std::io::Read;
use std::path::Path;

use super::error::JournalError;

/// Every SQLite database starts with this.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Size of the SQLite file header.
const HEADER: usize = 100;

/// Checks that `path` starts with a complete SQLite header. (Whether it is a journal is
/// checked through SQLite, which also sees what is still in the `-wal` file.)
///
/// While a `-wal` file is there, the main file may legitimately be empty or short (nothing
/// was checkpointed yet, e.g. after a crash), so the check is left to SQLite.
pub fn check(path: &Path) -> Result<(), JournalError> {
    if wal_has_data(path) {
        return Ok(());
    }
    let mut head = Vec::with_capacity(HEADER);
    std::fs::File::open(path)
        .and_then(|f| f.take(HEADER as u64).read_to_end(&mut head))
        .map_err(|source| JournalError::Io {
            path: path.to_path_buf(),
            op: "read",
            source,
        })?;
    let corrupt = |why: String| JournalError::Corrupt {
        path: path.to_path_buf(),
        seq: None,
        why,
    };
    if head.is_empty() {
        return Err(JournalError::NotAJournal {
            path: path.to_path_buf(),
            why: "it is empty, perhaps its creation was interrupted before the first write".into(),
        });
    }
    if !head.starts_with(MAGIC) {
        return Err(corrupt(
            "it does not start with the SQLite header: it is not a database, or its start was overwritten"
                .into(),
        ));
    }
    if head.len() < HEADER {
        return Err(corrupt(format!(
            "the file is only {} bytes long: it was truncated",
            head.len()
        )));
    }
    Ok(())
}

fn wal_has_data(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).is_ok_and(|m| m.len() > 0)
}

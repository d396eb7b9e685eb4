//! The on-disk layout, format version 1.
//!
//! - `meta`: one row describing the drill (runbook name, digest and full text, ...).
//! - `events`: one row per event, `seq` is the rowid, so a table scan is in seq order.
//!   `at`, `actor` and `kind` repeat what is in `payload` (the whole event as JSON) so the
//!   file can be inspected with the `sqlite3` shell; all of them are covered by `checksum`.
//! - `head`: one row holding the last seq and checksum, updated in the same transaction
//!   as every append, so events removed from the end are detected too.
//! - `telemetry`: low-rate samples (copy progress, probe samples), outside the event
//!   sequence, each with its own checksum.

/// The format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// `PRAGMA application_id` of a warroom journal ("WRRM"), so `file(1)`-style tools and
/// warroom itself can tell a journal from any other SQLite file.
pub const APPLICATION_ID: i64 = 0x5752_524D;

pub const CREATE: &str = "
CREATE TABLE meta (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    format_version  INTEGER NOT NULL,
    runbook_name    TEXT NOT NULL,
    runbook_digest  TEXT NOT NULL,
    runbook_text    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    warroom_version TEXT NOT NULL,
    checksum        INTEGER NOT NULL
);
CREATE TABLE events (
    seq      INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL,
    checksum INTEGER NOT NULL
);
CREATE TABLE head (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq      INTEGER NOT NULL,
    last_checksum INTEGER NOT NULL
);
CREATE TABLE telemetry (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL,
    checksum INTEGER NOT NULL
);
";

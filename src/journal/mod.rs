//! The durable, append-only event log of a drill, in SQLite.

//! Connections per dialect (MySQL/MariaDB, PostgreSQL, SQLite) and the SQL that differs
//! between them.

pub mod pool;
pub mod url;

pub use pool::{ConnectError, DbPool};
pub use url::{Dialect, SecretUrl, UrlError};

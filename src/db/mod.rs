//! Connections per dialect (MySQL/MariaDB, PostgreSQL, SQLite) and the SQL that differs
//! between them.

pub mod introspect;
pub mod pool;
pub mod rows;
pub mod sql;
pub mod types;
pub mod url;
pub mod value;

pub use pool::{ConnectError, DbPool, PoolLimits};
pub use url::{Dialect, SecretUrl, UrlError};

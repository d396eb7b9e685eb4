//! Connections per dialect (MySQL/MariaDB, PostgreSQL, SQLite), values and types, the
//! tables a job pairs up ([`table`]) and the keyset planner over them ([`keyset`]) that
//! copy and recon share, and the SQL that differs between dialects.

pub mod catalog;
pub mod connect;
pub mod ddl;
pub mod facts;
pub mod introspect;
pub mod keyset;
pub mod pool;
pub mod rows;
pub mod sql;
pub mod table;
pub mod types;
pub mod url;
pub mod value;

pub use connect::{connect_named, connect_named_limited, NamedConnectError};
pub use pool::{ConnectError, DbPool, PoolLimits};
pub use url::{Dialect, SecretUrl, UrlError};

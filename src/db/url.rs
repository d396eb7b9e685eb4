//! Connection URLs with `${VAR}` placeholders, expanded from the environment at run time.
//!
//! A [`SecretUrl`] shows itself only in its template form (`mysql://app:${SRC_PASSWORD}@db1`),
//! so a secret read from the environment is never printed, logged or journaled.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error(
        "connection `{connection}`: ${{{var}}} is not set: export {var} before starting warroom"
    )]
    MissingVar { connection: String, var: String },
    #[error("connection `{connection}`: unclosed `${{` in the URL: write ${{NAME}}")]
    Unclosed { connection: String },
    #[error("connection `{connection}`: `{scheme}` is not a supported scheme: use mysql://, mariadb://, postgres:// or sqlite://")]
    Scheme { connection: String, scheme: String },
}

/// The database engines warroom speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    MySql,
    Postgres,
    Sqlite,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::MySql => "MySQL/MariaDB",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Sqlite => "SQLite",
        })
    }
}

/// An expanded URL that displays as its template.
#[derive(Clone)]
pub struct SecretUrl {
    template: String,
    expanded: String,
    dialect: Dialect,
}

impl SecretUrl {
    /// Expands `${VAR}` from `lookup` (the environment, in production).
    pub fn expand(
        connection: &str,
        template: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<SecretUrl, UrlError> {
        let mut expanded = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            expanded.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| UrlError::Unclosed {
                connection: connection.to_string(),
            })?;
            let var = &after[..end];
            let value = lookup(var).ok_or_else(|| UrlError::MissingVar {
                connection: connection.to_string(),
                var: var.to_string(),
            })?;
            expanded.push_str(&value);
            rest = &after[end + 1..];
        }
        expanded.push_str(rest);
        let scheme = expanded.split("://").next().unwrap_or_default();
        let (dialect, canonical) = match scheme {
            "mysql" | "mariadb" => (Dialect::MySql, "mysql"),
            "postgres" | "postgresql" => (Dialect::Postgres, "postgres"),
            "sqlite" => (Dialect::Sqlite, "sqlite"),
            other => {
                return Err(UrlError::Scheme {
                    connection: connection.to_string(),
                    scheme: other.to_string(),
                })
            }
        };
        if scheme != canonical {
            expanded = format!("{canonical}{}", &expanded[scheme.len()..]);
        }
        Ok(SecretUrl {
            template: template.to_string(),
            expanded,
            dialect,
        })
    }

    /// Expands from the process environment.
    pub fn from_env(connection: &str, template: &str) -> Result<SecretUrl, UrlError> {
        Self::expand(connection, template, |var| std::env::var(var).ok())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The real URL, for the driver only. Never print or log it.
    pub(crate) fn expose(&self) -> &str {
        &self.expanded
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", self.template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(var: &str) -> Option<String> {
        (var == "PW").then(|| "s3cr3t".to_string())
    }

    #[test]
    fn expands_and_never_shows_the_secret() {
        let url = SecretUrl::expand("src", "mariadb://app:${PW}@db:3306/pay", env).unwrap();
        assert_eq!(url.expose(), "mysql://app:s3cr3t@db:3306/pay");
        assert_eq!(url.dialect(), Dialect::MySql);
        assert!(!url.to_string().contains("s3cr3t"));
        assert!(!format!("{url:?}").contains("s3cr3t"));
    }

    #[test]
    fn says_which_variable_is_missing() {
        let err = SecretUrl::expand("target", "postgres://u:${NOPE}@h/db", env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "connection `target`: ${NOPE} is not set: export NOPE before starting warroom"
        );
        assert!(matches!(
            SecretUrl::expand("t", "postgres://u:${PW@h/db", env),
            Err(UrlError::Unclosed { .. })
        ));
        assert!(matches!(
            SecretUrl::expand("t", "oracle://h/db", env),
            Err(UrlError::Scheme { .. })
        ));
    }
}

//! What the Prometheus and HTTP probes share: `${VAR}` expansion of URLs (secrets stay out
//! of every message), credentials in the URL turned into basic auth, and transport errors
//! named as a person on call would name them (refused, DNS, timeout).

use std::error::Error as _;
use std::time::Duration;

use reqwest::Url;

use super::error::ProbeError;

/// A URL ready to fetch, plus how to show it without secrets.
#[derive(Clone)]
pub(crate) struct Target {
    /// Expanded, without userinfo.
    pub url: Url,
    /// Basic-auth credentials that were in the URL's userinfo.
    pub basic: Option<(String, Option<String>)>,
    /// For messages: the template as written, password part masked.
    pub shown: String,
}

/// Expands `${VAR}` from `lookup`; names a missing variable.
pub(crate) fn expand_env(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ProbeError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| ProbeError::Config(format!("unclosed `${{` in `{template}`")))?;
        let var = &after[..end];
        let value = lookup(var).ok_or_else(|| {
            ProbeError::Config(format!("${{{var}}} is not set: export {var} first"))
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Masks the password of a `scheme://user:password@host` template.
fn mask(template: &str) -> String {
    let Some((scheme, rest)) = template.split_once("://") else {
        return template.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return template.to_string();
    };
    let userinfo = &rest[..at];
    match userinfo.split_once(':') {
        Some((user, pass)) if !pass.starts_with("${") => {
            format!("{scheme}://{user}:***{}", &rest[at..])
        }
        _ => template.to_string(),
    }
}

/// Parses a URL template into a fetchable target.
pub(crate) fn target(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, ProbeError> {
    let shown = mask(template);
    let expanded = expand_env(template, lookup)?;
    let mut url = Url::parse(&expanded)
        .map_err(|e| ProbeError::Config(format!("`{shown}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ProbeError::Config(format!(
            "`{shown}`: only http:// and https:// URLs can be probed"
        )));
    }
    let basic = if url.username().is_empty() {
        None
    } else {
        let user = decode(url.username());
        let pass = url.password().map(decode);
        // Setting these on an http(s) URL cannot fail.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some((user, pass))
    };
    Ok(Target { url, basic, shown })
}

/// Percent-decodes userinfo (`p%40ss` -> `p@ss`).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(Ok(b)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Builds the HTTP client of one probe.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, ProbeError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProbeError::Config(format!("cannot build an HTTP client: {e}")))
}

/// Names a transport failure: timeout, refused, DNS, reset, or the error chain.
pub(crate) fn transport_error(err: reqwest::Error, shown: &str, timeout: Duration) -> ProbeError {
    if err.is_timeout() {
        return ProbeError::Timeout(timeout);
    }
    let chain = chain_text(&err.without_url());
    let lower = chain.to_lowercase();
    if lower.contains("connection refused") {
        ProbeError::Refused(host_of(shown))
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        ProbeError::Dns(host_of(shown))
    } else {
        ProbeError::Transport(chain)
    }
}

/// "error sending request: client error (Connect): Connection refused (os error 111)".
fn chain_text(err: &reqwest::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

/// `host:port` of a URL template, for messages.
fn host_of(shown: &str) -> String {
    let rest = shown.split_once("://").map_or(shown, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_string()
}

/// The first `n` characters of a body, on one line, for error messages.
pub(crate) fn excerpt(body: &str, n: usize) -> String {
    let one_line: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(n)
        .collect();
    let one_line = one_line.trim().to_string();
    if body.chars().count() > n {
        format!("{one_line}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(var: &str) -> Option<String> {
        match var {
            "PROM_PW" => Some("s3cr3t".into()),
            "HOST" => Some("prom.internal:9090".into()),
            _ => None,
        }
    }

    #[test]
    fn expands_and_moves_credentials_to_basic_auth() {
        let t = target("https://ops:${PROM_PW}@${HOST}/prom", &env).expect("target");
        assert_eq!(t.url.as_str(), "https://prom.internal:9090/prom");
        assert_eq!(t.basic, Some(("ops".into(), Some("s3cr3t".into()))));
        assert!(!t.shown.contains("s3cr3t"));
    }

    #[test]
    fn literal_passwords_are_masked_in_messages() {
        let t = target("http://ops:hunter2@127.0.0.1:9090", &env).expect("target");
        assert_eq!(t.shown, "http://ops:***@127.0.0.1:9090");
        assert_eq!(t.basic, Some(("ops".into(), Some("hunter2".into()))));
        let t = target("http://ops:p%40ss@h", &env).expect("target");
        assert_eq!(t.basic, Some(("ops".into(), Some("p@ss".into()))));
    }

    #[test]
    fn says_what_is_wrong_with_a_url() {
        let e = target("http://${NOPE}/", &env).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("${NOPE} is not set: export NOPE first"));
        assert!(target("ftp://h/", &env).is_err());
        assert!(target("not a url", &env).is_err());
        assert!(target("http://${HOST", &env).is_err());
    }

    #[test]
    fn hosts_and_excerpts() {
        assert_eq!(host_of("http://u:p@h:1/x"), "h:1");
        assert_eq!(excerpt("a\nb", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}

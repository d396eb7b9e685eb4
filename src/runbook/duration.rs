//! Human durations as runbooks write them: "90s", "5m", "1h30m", "2h", "500ms", "1d".

use std::time::Duration;

/// Why a duration string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration: {why} (write e.g. \"90s\", \"5m\", \"1h30m\", \"500ms\")")]
pub struct DurationError {
    pub text: String,
    pub why: &'static str,
}

/// Parses a sequence of `<number><unit>` parts with units d, h, m, s, ms.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let err = |why| DurationError {
        text: text.to_string(),
        why,
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let mut total_ms: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(err("expected a number"));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| err("number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        let unit_ms: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => return Err(err("a number needs a unit (ms, s, m, h, d)")),
            _ => return Err(err("unknown unit (use ms, s, m, h, d)")),
        };
        rest = &rest[unit_len..];
        let part = value
            .checked_mul(unit_ms)
            .ok_or_else(|| err("number too large"))?;
        total_ms = total_ms
            .checked_add(part)
            .ok_or_else(|| err("number too large"))?;
    }
    Ok(Duration::from_millis(total_ms))
}

/// Formats a duration the way [`parse`] reads it, largest units first: "1h30m", "90ms".
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let (d, rem) = (ms / 86_400_000, ms % 86_400_000);
    let (h, rem) = (rem / 3_600_000, rem % 3_600_000);
    let (m, rem) = (rem / 60_000, rem % 60_000);
    let (s, ms) = (rem / 1000, rem % 1000);
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (s, "s"), (ms, "ms")] {
        if v > 0 {
            out.push_str(&format!("{v}{u}"));
        }
    }
    out
}

/// Formats as a clock: `H:MM:SS` (or `MM:SS` under an hour).
pub fn clock(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// serde adapter: durations travel as human strings.
pub mod serde_human {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        super::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `Option<Duration>` as the same text, or nothing.
pub mod serde_human_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    // serde's `with` hands the field by reference.
    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&super::format(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| super::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_runbook_forms() {
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1d2h"), Ok(Duration::from_secs(93_600)));
    }

    #[test]
    fn rejects_nonsense_with_reason() {
        assert_eq!(parse("").unwrap_err().why, "it is empty");
        assert_eq!(
            parse("5").unwrap_err().why,
            "a number needs a unit (ms, s, m, h, d)"
        );
        assert_eq!(
            parse("5x").unwrap_err().why,
            "unknown unit (use ms, s, m, h, d)"
        );
        assert_eq!(parse("m5").unwrap_err().why, "expected a number");
        assert!(parse("99999999999999999999s").is_err());
    }

    #[test]
    fn format_round_trips() {
        for text in ["1h30m", "90ms", "2h", "1m5s", "0s", "14d", "1d12h"] {
            let d = parse(text).unwrap();
            assert_eq!(parse(&format(d)).unwrap(), d);
        }
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
        // A 14-day soak reads as days, not as 336h.
        assert_eq!(format(Duration::from_secs(14 * 86_400)), "14d");
        assert_eq!(format(Duration::from_secs(36 * 3600)), "1d12h");
        assert_eq!(format(Duration::from_secs(23 * 3600)), "23h");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
        assert_eq!(clock(Duration::from_secs(65)), "01:05");
    }
}

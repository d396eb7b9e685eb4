//! How times and durations read in every format of the report.

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};

/// "45s", "12m30s", "1h05m00s" (whole seconds; under a second: "0s").
pub fn dur(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// A duration given in seconds (the model's unit).
pub fn secs(s: f64) -> String {
    dur(Duration::from_secs_f64(s.max(0.0)))
}

/// Planned against actual, signed: "+4m00s", "-1m30s", "0s".
pub fn delta(actual: f64, planned: f64) -> String {
    let d = actual - planned;
    if d.abs() < 1.0 {
        "0s".to_string()
    } else if d > 0.0 {
        format!("+{}", secs(d))
    } else {
        format!("-{}", secs(-d))
    }
}

/// "2026-12-01 09:33:01 UTC".
pub fn utc(t: DateTime<Utc>) -> String {
    let mut out = format!("{} ", t.date_naive().format("%Y-%m-%d"));
    push_hms(&mut out, t);
    out.push_str(" UTC");
    out
}

/// "09:33:01Z": a time within the drill. Written by hand: chrono's format strings are
/// parsed again on every call, and a report formats one per event.
pub fn clock(t: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(9);
    push_hms(&mut out, t);
    out.push('Z');
    out
}

/// "09:33:01" (a leap second reads 60, as with chrono's `%S`).
fn push_hms(out: &mut String, t: DateTime<Utc>) {
    let leap = u32::from(t.nanosecond() >= 1_000_000_000);
    for (i, n) in [t.hour(), t.minute(), t.second() + leap]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.push(':');
        }
        for digit in [n / 10 % 10, n % 10] {
            out.push(char::from_digit(digit, 10).unwrap_or('0'));
        }
    }
}

pub fn opt_clock(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".to_string(), clock)
}

/// Seconds between two instants, never negative.
pub fn between(earlier: DateTime<Utc>, later: DateTime<Utc>) -> f64 {
    (later - earlier).to_std().unwrap_or_default().as_secs_f64()
}

/// A rate: "1234 rows/s".
pub fn rate(r: f64) -> String {
    format!("{:.0} rows/s", r.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(dur(Duration::from_secs(45)), "45s");
        assert_eq!(dur(Duration::from_secs(750)), "12m30s");
        assert_eq!(dur(Duration::from_secs(3900)), "1h05m00s");
        assert_eq!(delta(840.0, 600.0), "+4m00s");
        assert_eq!(delta(510.0, 600.0), "-1m30s");
        assert_eq!(delta(600.4, 600.0), "0s");
    }

    /// Times written by hand read exactly as chrono's format strings wrote them, a leap
    /// second included (the drill's log uses the same shape: `drill::rollback::hms`).
    #[test]
    fn times_read_as_chrono_writes_them() {
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .map(|t| t.and_utc());
        let times = [
            DateTime::from_timestamp(0, 0),
            DateTime::from_timestamp(1_800_000_000, 999_999_999),
            DateTime::from_timestamp(1_764_583_981, 0),
            leap,
        ];
        for t in times.into_iter().map(|t| t.expect("a time")) {
            assert_eq!(clock(t), t.format("%H:%M:%SZ").to_string());
            assert_eq!(utc(t), t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        }
        let leap = leap.expect("a leap second");
        assert_eq!(clock(leap), "23:59:60Z");
    }
}

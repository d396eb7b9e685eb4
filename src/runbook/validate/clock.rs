//! A step's wall-clock rules: `not_before`, `go_deadline`, `min_hold` and a planned range
//! (`planned = "19h-23h"`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use toml::Spanned;

use super::Validator;
use crate::runbook::model::StepClock;
use crate::runbook::raw::{RawStep, SString};

impl Validator<'_, '_> {
    /// The planned duration (the lower end of a range) and the clock rules of `s`.
    pub(super) fn step_clock(
        &mut self,
        s: &RawStep,
        gate: bool,
        what: &str,
    ) -> (Duration, StepClock) {
        let (planned, planned_max) = self.planned(&s.planned, what);
        let not_before = s
            .not_before
            .as_ref()
            .and_then(|v| self.datetime(v, &format!("`not_before` of {what}")));
        let go_deadline = s.go_deadline.as_ref().and_then(|v| {
            if !gate {
                self.error(
                    v.span(),
                    format!("{what} has a `go_deadline` but is not a gate"),
                    "a GO deadline applies to a gate (gate = true); for a plain step use not_before or a planned range",
                );
                return None;
            }
            self.datetime(v, &format!("`go_deadline` of {what}"))
        });
        if let (Some(start), Some(deadline), Some(v)) = (not_before, go_deadline, &s.go_deadline) {
            if deadline <= start {
                self.error(
                    v.span(),
                    format!("the `go_deadline` of {what} is not after its `not_before`"),
                    "the gate could never pass: move the deadline after the earliest start",
                );
            }
        }
        let min_hold = s.min_hold.as_ref().and_then(|h| {
            if gate {
                self.error(
                    h.span(),
                    format!("{what} has a `min_hold` but is a gate"),
                    "a gate passes on its approvers' GO, never by done: hold the step before it instead",
                );
                return None;
            }
            self.duration(h, &format!("`min_hold` of {what}"))
        });
        let clock = StepClock {
            not_before,
            go_deadline,
            min_hold,
            planned_max,
        };
        (planned.unwrap_or_default(), clock)
    }

    /// `planned = "5m"`, or a range `"19h-23h"` (lower end, upper end).
    fn planned(&mut self, text: &SString, what: &str) -> (Option<Duration>, Option<Duration>) {
        let field = format!("`planned` of {what}");
        let Some((low, high)) = text.get_ref().split_once('-') else {
            return (self.duration(text, &field), None);
        };
        let part = |t: &str| Spanned::new(text.span(), t.trim().to_string());
        let low = self.duration(&part(low), &field);
        let high = self.duration(&part(high), &field);
        if let (Some(l), Some(h)) = (low, high) {
            if h <= l {
                self.error(
                    text.span(),
                    format!(
                        "{field} is the range `{}`, whose end is not after its start",
                        text.get_ref()
                    ),
                    "write the shorter duration first, e.g. planned = \"19h-23h\"",
                );
                return (Some(l), None);
            }
        }
        (low, high)
    }

    /// A TOML offset datetime or an RFC 3339 string, in UTC.
    pub(super) fn datetime(
        &mut self,
        v: &Spanned<toml::Value>,
        what: &str,
    ) -> Option<DateTime<Utc>> {
        let text = match v.get_ref() {
            toml::Value::Datetime(d) => Some(d.to_string()),
            toml::Value::String(s) => Some(s.clone()),
            _ => None,
        };
        let parsed = text
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        if parsed.is_none() {
            self.error(
                v.span(),
                format!("{what} is not a date and time with a UTC offset"),
                "write it as 2026-11-28T01:00:00Z (or with an offset such as +01:00)",
            );
        }
        Some(parsed?.with_timezone(&Utc))
    }
}

//! The flash line for the hub's answer to a command: what it recorded, or why it recorded
//! nothing, worded so a refusal by the rules ("not allowed: ...") never reads like a failure
//! of the hub ("journal failed: ... NOT recorded").

use super::theme::Tone;
use crate::drill::{Event, SinkError};

/// An accepted command, in the events' own words:
/// "recorded: signed off `schema`; gate `go-live` passed".
pub fn recorded(events: &[Event]) -> String {
    let what: Vec<String> = events.iter().map(|e| e.kind.describe()).collect();
    format!("recorded: {}", what.join("; "))
}

/// A command the hub did not record, and the tone to show it in: a refusal by the rules
/// warns (nothing was lost); a failure of the hub is bad and says the decision was NOT
/// recorded (or, after a lost link, that it may have been).
pub fn refused(error: &SinkError) -> (String, Tone) {
    match error {
        SinkError::Refused(rejection) => (
            format!("{}: {}", rejection.kind.label(), rejection.reason),
            Tone::Warn,
        ),
        SinkError::Failed(failure) if failure.kind.surely_not_recorded() => (
            format!(
                "{}: the decision was NOT recorded: {}",
                failure.kind.label(),
                failure.reason
            ),
            Tone::Bad,
        ),
        SinkError::Failed(failure) => (
            format!("{}: {}", failure.kind.label(), failure.reason),
            Tone::Bad,
        ),
        SinkError::Closed => (
            format!("hub gone: the decision was NOT recorded: {error}"),
            Tone::Bad,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::{FailureKind, HubFailure, Rejection, RejectionKind};

    #[test]
    fn the_rules_refusal_and_the_hubs_failure_read_apart() {
        let (text, tone) = refused(&SinkError::Refused(Rejection::new(
            RejectionKind::NotAllowed,
            "only the coordinator may call a rollback",
        )));
        assert_eq!(
            text,
            "not allowed: only the coordinator may call a rollback"
        );
        assert_eq!(tone, Tone::Warn);
        let (text, tone) = refused(&SinkError::Failed(HubFailure::new(
            FailureKind::JournalFailed,
            "disk full",
        )));
        assert_eq!(
            text,
            "journal failed: the decision was NOT recorded: disk full"
        );
        assert_eq!(tone, Tone::Bad);
        let (text, _) = refused(&SinkError::Failed(HubFailure::new(
            FailureKind::LinkLost,
            "look at the timeline",
        )));
        assert_eq!(text, "link lost: look at the timeline");
        assert!(refused(&SinkError::Closed).0.contains("NOT recorded"));
    }
}

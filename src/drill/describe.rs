//! One human line per event, for the log panel, announcements and the report.

use super::command::Target;
use super::event::{Event, EventKind};
use super::rollback::hms;

impl EventKind {
    /// What happened, without who or when: "signed off `copy` (coordinator override)".
    pub fn describe(&self) -> String {
        let t = |target: &Target| match target {
            Target::Step(id) => format!("`{id}`"),
            Target::Rollback(id) => format!("the rollback of `{id}`"),
        };
        match self {
            EventKind::DrillStarted => "started the drill".to_string(),
            EventKind::Started { target } => format!("started {}", t(target)),
            EventKind::Done { target } => format!("marked {} done", t(target)),
            EventKind::SignedOff {
                target,
                override_by_coordinator,
            } => format!(
                "signed off {}{}",
                t(target),
                if *override_by_coordinator {
                    " (coordinator override)"
                } else {
                    ""
                }
            ),
            EventKind::Failed { target, reason } => format!("failed {}: {reason}", t(target)),
            EventKind::Skipped { step, reason } => format!("skipped `{step}`: {reason}"),
            EventKind::GateGo { step } => format!("said GO at `{step}`"),
            EventKind::GateNoGo { step, reason } => format!("said NO-GO at `{step}`: {reason}"),
            EventKind::GatePassed { step } => format!("gate `{step}` passed"),
            EventKind::GateOverridden {
                step,
                reason,
                overriding,
            } => format!("OVERRODE gate `{step}`: {reason} (it waited for {overriding})"),
            EventKind::NoteAdded {
                step: Some(s),
                text,
            } => format!("note on `{s}`: {text}"),
            EventKind::NoteAdded { step: None, text } => format!("note: {text}"),
            EventKind::RollbackCalled { from, reason, plan } => format!(
                "called a rollback from `{from}`: {reason} (plan: {})",
                if plan.is_empty() {
                    "nothing to undo".to_string()
                } else {
                    plan.join(" -> ")
                }
            ),
            EventKind::RollbackCompleted => "rollback completed".to_string(),
            EventKind::ContingencyCalled {
                from,
                reason,
                point,
                phase,
            } => format!(
                "called the contingency of `{point}` from `{from}`: {reason} (phase `{phase}` runs instead of the rest of the plan)"
            ),
            EventKind::EvidenceRecorded {
                evidence,
                holds,
                detail,
            } => format!(
                "evidence {evidence} {}{}",
                if *holds { "holds" } else { "does not hold" },
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                }
            ),
            EventKind::CopyControlled { job, control } => format!("{control} copy `{job}`"),
            EventKind::DrillNumbered { number } => {
                format!("this is run #{number} of the runbook")
            }
            EventKind::TablesResolved { job, tables } => {
                format!("{job} runs on {} table(s): {}", tables.len(), tables.join(", "))
            }
            EventKind::EvidenceAccepted { evidence, note } => {
                format!("accepted evidence {evidence} that did not hold: {note}")
            }
            EventKind::FixApproved { recon } => {
                format!("approved applying the fix SQL of recon `{recon}`")
            }
            EventKind::HandoverOffered { duty, to } => {
                format!("offered {duty} to `{to}`")
            }
            EventKind::HandoverAccepted { duty, from, to } => {
                format!("`{to}` took over {duty} from `{from}`")
            }
            EventKind::HandoverDeclined { duty, to, reason } => format!(
                "`{to}` declined {duty}{}",
                if reason.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                }
            ),
            EventKind::HandoverWithdrawn { duty, to } => {
                format!("withdrew the offer of {duty} to `{to}`")
            }
            EventKind::DrillEnded => "ended the drill".to_string(),
            EventKind::Outbox { record } => record.describe(),
        }
    }
}

impl Event {
    /// A log line: "02:14:05Z #12 alice: started `copy`" ("dave (for bob): ..." for a
    /// deputy's act).
    pub fn describe(&self) -> String {
        format!(
            "{} #{} {}: {}",
            hms(self.at),
            self.seq,
            self.who(),
            self.kind.describe()
        )
    }

    /// "dave (for bob)" when `by` acted in someone else's seat, else just `by`.
    pub fn who(&self) -> String {
        match &self.acting_for {
            Some(p) => format!("{} (for {p})", self.by),
            None => self.by.to_string(),
        }
    }
}

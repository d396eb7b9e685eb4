//! The rollback plan: which steps' rollback tasks run, and in which order.

use chrono::{DateTime, Utc};

use super::rejection::{Rejection, RejectionKind};
use super::state::{DrillState, StepStatus};
use crate::runbook::{Runbook, StepId};

/// The rollback plan when calling a rollback from step `from`.
///
/// `from` must be failed, running or awaiting review. The plan walks every step that was
/// started and not skipped or rolled back (done, awaiting review, running, failed) in
/// reverse order of start, and lists those that declare a `rollback`; a step without one gets
/// no task. If an irreversible step in that walk is done or awaiting review, rollback is
/// refused: it would cross the point of no return.
pub fn plan(rb: &Runbook, st: &DrillState, from: &str) -> Result<Vec<StepId>, Rejection> {
    let idx = rb
        .step_index(from)
        .ok_or_else(|| Rejection::unknown(format!("there is no step `{from}` in this runbook")))?;
    match st.status(idx) {
        StepStatus::Failed { .. } | StepStatus::Running | StepStatus::AwaitingReview => {}
        other => {
            return Err(Rejection::wrong_state(format!(
                "step `{from}` is {other}: a rollback is called from the failed or current step"
            )))
        }
    }
    let mut walk: Vec<(u64, usize)> = st
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(
                s.status,
                StepStatus::Done
                    | StepStatus::AwaitingReview
                    | StepStatus::Running
                    | StepStatus::Failed { .. }
            )
        })
        .map(|(i, s)| (s.started_seq.unwrap_or(0), i))
        .collect();
    walk.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    for (_, i) in walk {
        let (Some(step), Some(state)) = (rb.steps.get(i), st.steps.get(i)) else {
            continue;
        };
        let finished = matches!(state.status, StepStatus::Done | StepStatus::AwaitingReview);
        if step.irreversible && finished {
            let at = state.signed_off_at.or(state.done_at);
            let way = match &step.contingency {
                Some(phase) => format!("roll forward, or call its contingency `{phase}` (K)"),
                None => "roll forward only".to_string(),
            };
            return Err(Rejection::new(
                RejectionKind::PointOfNoReturn,
                format!(
                    "rollback would cross the point of no return `{}` ({} at {}): {way}",
                    step.id,
                    state.status,
                    at.map_or_else(|| "?".to_string(), hms)
                ),
            ));
        }
        if step.rollback.is_some() {
            out.push(step.id.clone());
        }
    }
    Ok(out)
}

/// A time as the war room reads it: `02:14:05Z` (a leap second reads 60, as with
/// chrono's `%S`). Written out by hand, not with a format string chrono parses on every
/// call: every line of the log and of a report has one.
pub(crate) fn hms(t: DateTime<Utc>) -> String {
    use chrono::Timelike;
    let leap = u32::from(t.nanosecond() >= 1_000_000_000);
    let mut out = String::with_capacity(9);
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
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hms_reads_as_chrono_writes_it_a_leap_second_included() {
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .map(|t| t.and_utc());
        let times = [
            chrono::DateTime::from_timestamp(0, 0),
            chrono::DateTime::from_timestamp(1_800_000_000, 999_999_999),
            leap,
        ];
        for t in times.into_iter().map(|t| t.expect("a time")) {
            assert_eq!(super::hms(t), t.format("%H:%M:%SZ").to_string());
        }
    }
}

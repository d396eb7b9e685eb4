//! Typing a reason, a note or a rate ([`Modal::Reason`]: what it is for, the capacity the
//! operator acts in, what has been typed). Enter with some text goes on to what confirms
//! it: the y/N question, the typed gate-override or rollback confirmation; a rate that
//! does not parse says why and stays open. Esc cancels.

use ratatui::crossterm::event::KeyCode;
use ratatui::text::Line;

use super::{KeyOutcome, Modal, ModalContext, ModalView, ReasonFor};
use crate::drill::{Command, CommandKind, CopyCommand};
use crate::tui::theme::Tone;

/// One key while the modal is open.
pub fn key(
    cx: &ModalContext<'_>,
    for_: ReasonFor,
    capacity: String,
    mut input: String,
    code: KeyCode,
) -> KeyOutcome {
    match code {
        KeyCode::Esc => return KeyOutcome::Close,
        KeyCode::Enter if !input.trim().is_empty() => {
            return given(cx, for_, input.trim().to_string(), capacity);
        }
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char(c) => input.push(c),
        _ => {}
    }
    KeyOutcome::Keep(Modal::Reason {
        for_,
        capacity,
        input,
    })
}

/// The modal that confirms what the reason is for.
// The strings are the typed reason and capacity, handed over whole by the one caller.
#[allow(clippy::needless_pass_by_value)]
fn given(cx: &ModalContext<'_>, for_: ReasonFor, reason: String, capacity: String) -> KeyOutcome {
    let by = cx.operator.clone();
    let (verb, what, kind) = match for_ {
        ReasonFor::CopyRate(_) | ReasonFor::Accept(_) => return job_input_given(cx, for_, reason),
        ReasonFor::Handover(duty) => {
            let question = format!(
                "Offer {duty} to `{reason}` as {by}? Nothing moves until `{reason}` accepts."
            );
            let kind = CommandKind::OfferHandover { duty, to: reason };
            return KeyOutcome::Keep(Modal::Confirm {
                question,
                command: Command { by, kind },
            });
        }
        ReasonFor::Fail(target) => (
            "Fail",
            target.to_string(),
            CommandKind::Fail { target, reason },
        ),
        ReasonFor::Skip(step) => ("Skip", step.clone(), CommandKind::Skip { step, reason }),
        ReasonFor::NoGo(step) => (
            "Say NO-GO at",
            step.clone(),
            CommandKind::NoGo { step, reason },
        ),
        ReasonFor::Note(step) => (
            "Add a note to",
            step.clone().unwrap_or_else(|| "the drill".into()),
            CommandKind::Note { step, text: reason },
        ),
        ReasonFor::AcceptWarning { step, finding } => {
            return KeyOutcome::Keep(Modal::Confirm {
                question: format!(
                    "Accept preflight `{finding}` as {by} ({capacity}), noting \"{reason}\"?"
                ),
                command: Command {
                    by,
                    kind: CommandKind::Note {
                        step,
                        text: format!("{} {finding}: {reason}", super::preflight::ACCEPTED),
                    },
                },
            });
        }
        ReasonFor::Override(step) => {
            return KeyOutcome::Keep(Modal::Override {
                step,
                reason,
                typed: String::new(),
            });
        }
        ReasonFor::Contingency(from) => {
            let point =
                crate::drill::contingency::point(cx.drill.runbook(), cx.drill.state(), &from)
                    .ok()
                    .and_then(|i| cx.drill.runbook().steps.get(i))
                    .map(|s| (s.id.clone(), s.contingency.clone().unwrap_or_default()));
            let what = match point {
                Some((point, phase)) => format!(
                    "the contingency of `{point}` (phase `{phase}`) from `{from}`; the rest of the plan freezes"
                ),
                None => format!("the contingency from `{from}`"),
            };
            ("Call", what, CommandKind::CallContingency { from, reason })
        }
        ReasonFor::Rollback(from) => {
            let plan = cx.drill.rollback_plan(&from).map_err(|r| r.reason);
            return KeyOutcome::Keep(Modal::Rollback {
                from,
                reason,
                plan,
                typed: String::new(),
            });
        }
    };
    let question = format!("{verb} `{what}` as {by} ({capacity})?");
    KeyOutcome::Keep(Modal::Confirm {
        question,
        command: Command { by, kind },
    })
}

/// A copy rate or an evidence-acceptance note, on to its y/N question.
fn job_input_given(cx: &ModalContext<'_>, for_: ReasonFor, input: String) -> KeyOutcome {
    let by = cx.operator.clone();
    let (question, kind) = match &for_ {
        ReasonFor::CopyRate(job) => match parse_rate(&input) {
            Ok(rows_per_sec) => (
                match rows_per_sec {
                    Some(r) => format!("Limit copy `{job}` to {r} rows/s as {by} (coordinator)?"),
                    None => format!("Lift the rate limit of copy `{job}` as {by} (coordinator)?"),
                },
                CommandKind::CopyControl {
                    job: job.clone(),
                    control: CopyCommand::SetRate { rows_per_sec },
                },
            ),
            Err(why) => {
                return KeyOutcome::Invalid {
                    why,
                    modal: Modal::Reason {
                        for_,
                        capacity: "coordinator".into(),
                        input,
                    },
                };
            }
        },
        ReasonFor::Accept(evidence) => (
            format!(
                "Accept evidence {evidence} although it does not hold, as {by} \
                 (coordinator), noting \"{input}\"?"
            ),
            CommandKind::AcceptEvidence {
                evidence: evidence.clone(),
                note: input,
            },
        ),
        _ => return KeyOutcome::Close,
    };
    KeyOutcome::Keep(Modal::Confirm {
        question,
        command: Command { by, kind },
    })
}

/// `5000`, `5k`, `2.5k`, `1M` rows/s; `off`, `none` or `-` lifts the limit.
pub fn parse_rate(input: &str) -> Result<Option<u64>, String> {
    let text = input.trim().to_lowercase();
    if matches!(text.as_str(), "off" | "none" | "-" | "unlimited") {
        return Ok(None);
    }
    let text = text.trim_end_matches("/s").trim_end_matches("rows").trim();
    let (number, scale) = match text.strip_suffix('k') {
        Some(n) => (n, 1e3),
        None => match text.strip_suffix('m') {
            Some(n) => (n, 1e6),
            None => (text, 1.0),
        },
    };
    let bad = || format!("`{input}` is not a rate: type rows per second (5000, 5k) or `off`");
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let rows = (value * scale).round();
    if !rows.is_finite() || rows < 1.0 {
        return Err(format!(
            "`{input}` would stop the copy: pause it with `p` instead, or type `off` to lift the limit"
        ));
    }
    if rows >= 18_446_744_073_709_551_616.0 {
        return Err(format!(
            "`{input}` is more rows per second than a copy can count"
        ));
    }
    // A whole number within 1..2^64, checked above.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Some(rows as u64))
}

/// The box: what to type, the input and the keys.
pub fn view<'a>(
    cx: &ModalContext<'_>,
    for_: &ReasonFor,
    capacity: &str,
    input: &str,
) -> ModalView<'a> {
    let t = cx.theme;
    let what = match for_ {
        ReasonFor::Fail(tg) => format!("Why does `{tg}` fail?"),
        ReasonFor::Skip(s) => format!("Why skip `{s}`?"),
        ReasonFor::NoGo(s) => format!("Why NO-GO at `{s}`?"),
        ReasonFor::Override(s) => {
            format!("Why pass gate `{s}` without its approvers' GO? (recorded as an override)")
        }
        ReasonFor::Note(Some(s)) => format!("Note on `{s}`:"),
        ReasonFor::Note(None) => "Note on the drill:".into(),
        ReasonFor::Rollback(s) => format!("Why roll back from `{s}`?"),
        ReasonFor::Contingency(s) => {
            format!("Why call the contingency from `{s}`? (the rest of the plan freezes)")
        }
        ReasonFor::CopyRate(job) => {
            format!("Rows per second for copy `{job}` (5000, 5k; `off` lifts the limit):")
        }
        ReasonFor::Accept(e) => format!("Why accept {e} although it does not hold?"),
        ReasonFor::Handover(duty) => format!("Hand over {duty} to (their handle):"),
        ReasonFor::AcceptWarning { finding, .. } => {
            format!("Why accept preflight `{finding}`? (journaled as a note)")
        }
    };
    ModalView::new(
        format!("{} ({capacity})", cx.operator),
        vec![
            Line::raw(what),
            Line::styled(format!("> {input}▏"), t.style(Tone::Accent)),
            Line::styled("Enter continue   Esc cancel", t.style(Tone::Dim)),
        ],
        Tone::Info,
        70,
    )
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_parse_with_suffixes_and_off() {
        assert_eq!(parse_rate("5000"), Ok(Some(5000)));
        assert_eq!(parse_rate(" 2.5k "), Ok(Some(2500)));
        assert_eq!(parse_rate("1M"), Ok(Some(1_000_000)));
        assert_eq!(parse_rate("800 rows/s"), Ok(Some(800)));
        assert_eq!(parse_rate("off"), Ok(None));
        assert!(parse_rate("0").is_err_and(|e| e.contains("pause it")));
        assert!(parse_rate("fast").is_err_and(|e| e.contains("not a rate")));
    }
}

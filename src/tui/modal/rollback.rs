//! The rollback confirmation. State ([`Modal::Rollback`]): the step it rolls back from, the
//! reason, the engine's plan (or its refusal past a point of no return) and what has been
//! typed. It is confirmed only by typing the step's id and Enter; a refused plan offers
//! nothing but Esc.

use ratatui::crossterm::event::KeyCode;
use ratatui::text::Line;

use super::{KeyOutcome, Modal, ModalContext, ModalView};
use crate::drill::CommandKind;
use crate::runbook::StepId;
use crate::tui::theme::Tone;

/// One key while the modal is open.
pub fn key(
    from: StepId,
    reason: String,
    plan: Result<Vec<StepId>, String>,
    mut typed: String,
    code: KeyCode,
) -> KeyOutcome {
    match code {
        KeyCode::Esc => return KeyOutcome::Close,
        KeyCode::Enter if plan.is_ok() && typed == from => {
            return KeyOutcome::Send(CommandKind::CallRollback { from, reason });
        }
        KeyCode::Backspace => {
            typed.pop();
        }
        KeyCode::Char(c) if plan.is_ok() => typed.push(c),
        _ => {}
    }
    KeyOutcome::Keep(Modal::Rollback {
        from,
        reason,
        plan,
        typed,
    })
}

/// The box: the plan in order (points of no return marked) and the prompt, or the refusal.
pub fn view<'a>(
    cx: &ModalContext<'_>,
    from: &StepId,
    reason: &str,
    plan: &Result<Vec<StepId>, String>,
    typed: &str,
) -> ModalView<'a> {
    let t = cx.theme;
    let mut l = vec![Line::styled(
        format!("ROLLBACK from `{from}`: {reason}"),
        t.style(Tone::Bad),
    )];
    match plan {
        Ok(steps) => {
            l.push(Line::raw("Rollback tasks, in order:"));
            for s in steps {
                let irrev = cx.runbook.step(s).is_some_and(|x| x.irreversible);
                let mark = if irrev {
                    "  ⚠ POINT OF NO RETURN"
                } else {
                    ""
                };
                l.push(Line::styled(
                    format!("  ↺ {s}{mark}"),
                    t.style(if irrev { Tone::Bad } else { Tone::Normal }),
                ));
            }
            l.push(Line::raw(""));
            l.push(Line::raw(format!(
                "Type `{from}` and Enter to call the rollback as {} (coordinator):",
                cx.operator
            )));
            l.push(Line::styled(format!("> {typed}▏"), t.style(Tone::Accent)));
        }
        Err(why) => {
            l.push(Line::styled(
                "REFUSED by the drill engine:",
                t.style(Tone::Bad),
            ));
            l.push(Line::styled(why.clone(), t.style(Tone::Bad)));
            l.push(Line::raw("Only roll-forward is possible. Esc closes."));
        }
    }
    ModalView {
        title: "rollback".into(),
        lines: l,
        tone: Tone::Bad,
        width: 76,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(
        plan: Result<Vec<StepId>, String>,
        typed: &str,
    ) -> (StepId, String, Result<Vec<StepId>, String>, String) {
        ("schema".into(), "lock".into(), plan, typed.into())
    }

    #[test]
    fn only_the_typed_step_id_confirms() {
        let (f, r, p, t) = open(Ok(vec!["schema".into()]), "schem");
        let KeyOutcome::Keep(Modal::Rollback { typed, .. }) = key(f, r, p, t, KeyCode::Enter)
        else {
            panic!("Enter before the id is typed keeps the modal open")
        };
        assert_eq!(typed, "schem");
        let (f, r, p, t) = open(Ok(vec!["schema".into()]), "schema");
        assert_eq!(
            key(f, r, p, t, KeyCode::Enter),
            KeyOutcome::Send(CommandKind::CallRollback {
                from: "schema".into(),
                reason: "lock".into()
            })
        );
        let (f, r, p, t) = open(Ok(vec![]), "");
        assert_eq!(key(f, r, p, t, KeyCode::Esc), KeyOutcome::Close);
    }

    #[test]
    fn a_refused_plan_takes_no_typing() {
        let (f, r, p, t) = open(Err("past go-live".into()), "");
        let KeyOutcome::Keep(Modal::Rollback { typed, .. }) = key(f, r, p, t, KeyCode::Char('s'))
        else {
            panic!("still open")
        };
        assert!(typed.is_empty());
    }
}

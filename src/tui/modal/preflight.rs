//! The preflight panel ([`Modal::Preflight`]: the selected finding): the last scan's
//! blockers and warnings, by severity, from the `preflight` evidence's detail (one line a
//! finding: `SEVERITY hazard @ place: what — do: fix`). `j`/`k` move; `a` lets the
//! coordinator accept the selected warning with a note, journaled as a note on the
//! preflight step (`accepted preflight warning ...`) and shown under it here, in the log
//! and in the report. A blocker cannot be accepted: it keeps the evidence, and any gate
//! requiring it, red until a scan no longer finds it. Esc, `q` or `P` closes.

use ratatui::crossterm::event::KeyCode;
use ratatui::text::Line;

use super::{KeyOutcome, Modal, ModalContext, ModalView, ReasonFor};
use crate::drill::{Actor, Role};
use crate::runbook::{Action, Check, Evidence, StepId};
use crate::tui::theme::Tone;

/// How a note accepting a warning starts; the finding's place and hazard follow.
pub const ACCEPTED: &str = crate::drill::PREFLIGHT_ACCEPTED;

/// One finding line of the evidence detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingLine {
    pub blocker: bool,
    /// `WARNING hazard @ place`: what an acceptance names.
    pub id: String,
    /// The whole line as the scan wrote it.
    pub text: String,
}

/// The counts line and the finding lines of the last `preflight` evidence.
pub fn findings(cx: &ModalContext<'_>) -> (Option<String>, Vec<FindingLine>) {
    let Some(e) = cx.state.evidence.get(&Evidence::Preflight) else {
        return (None, Vec::new());
    };
    let mut lines = e.detail.lines();
    let summary = lines.next().map(str::to_string);
    let found = lines
        .filter(|l| l.starts_with("BLOCKER ") || l.starts_with("WARNING "))
        .map(|l| FindingLine {
            blocker: l.starts_with("BLOCKER "),
            id: l.split_once(": ").map_or(l, |(id, _)| id).to_string(),
            text: l.to_string(),
        })
        .collect();
    (summary, found)
}

/// The note that accepted this warning, with who wrote it, if one did.
fn accepted<'a>(cx: &'a ModalContext<'_>, id: &str) -> Option<(&'a Actor, &'a str)> {
    let prefix = format!("{ACCEPTED} {id}: ");
    cx.state
        .notes
        .iter()
        .rev()
        .find_map(|n| n.text.strip_prefix(&prefix).map(|note| (&n.by, note)))
}

/// The step that runs preflight (where acceptances are noted), if the runbook has one.
pub fn step(cx: &ModalContext<'_>) -> Option<StepId> {
    cx.runbook
        .steps
        .iter()
        .find(|s| s.action == Some(Action::Check(Check::Preflight)))
        .map(|s| s.id.clone())
}

/// One key while the panel is open.
pub fn key(cx: &ModalContext<'_>, selected: usize, code: KeyCode) -> KeyOutcome {
    let (_, found) = findings(cx);
    let last = found.len().saturating_sub(1);
    let keep = |selected| {
        KeyOutcome::Keep(Modal::Preflight {
            selected,
            said: String::new(),
        })
    };
    match code {
        KeyCode::Esc | KeyCode::Char('q' | 'P') => KeyOutcome::Close,
        KeyCode::Down | KeyCode::Char('j') => keep((selected + 1).min(last)),
        KeyCode::Up | KeyCode::Char('k') => keep(selected.saturating_sub(1)),
        KeyCode::Char('a') => {
            // Said inside the panel: the header's line is full of the blocker already.
            let refuse = |why: &str| {
                KeyOutcome::Keep(Modal::Preflight {
                    selected,
                    said: why.to_string(),
                })
            };
            let Some(f) = found.get(selected) else {
                return refuse("no warning to accept");
            };
            if f.blocker {
                return refuse("a blocker cannot be accepted: fix it (the scan runs again every 30 s while the step is active)");
            }
            if !cx.can_send || cx.drill.role_of(cx.operator) != Role::Coordinator {
                return refuse("only the coordinator accepts a warning");
            }
            if accepted(cx, &f.id).is_some() {
                return refuse("this warning is accepted already");
            }
            KeyOutcome::Keep(Modal::Reason {
                for_: ReasonFor::AcceptWarning {
                    step: step(cx),
                    finding: f.id.clone(),
                },
                capacity: "coordinator".into(),
                input: String::new(),
            })
        }
        _ => keep(selected),
    }
}

/// The panel: counts, then each blocker and warning (the selected one marked), each
/// acceptance under its warning.
pub fn view(cx: &ModalContext<'_>, selected: usize, said: &str) -> ModalView<'static> {
    let (summary, found) = findings(cx);
    let mut lines = Vec::new();
    let Some(summary) = summary else {
        lines.push(Line::raw("no preflight scan has reported yet"));
        return ModalView::new("preflight".into(), lines, Tone::Info, 110);
    };
    let holds = cx
        .state
        .evidence
        .get(&Evidence::Preflight)
        .is_some_and(|e| e.holds);
    let summary_tone = if holds { Tone::Good } else { Tone::Bad };
    for l in wrap(&summary, "") {
        lines.push(Line::styled(l, cx.theme.style(summary_tone)));
    }
    if found.is_empty() {
        lines.push(Line::raw("no blocker and no warning"));
    }
    for (i, f) in found.iter().enumerate() {
        let mark = if i == selected { "›" } else { " " };
        let tone = if f.blocker { Tone::Bad } else { Tone::Warn };
        for l in wrap(&format!("{mark} {}", f.text), "    ") {
            lines.push(Line::styled(l, cx.theme.style(tone)));
        }
        if let Some((by, note)) = accepted(cx, &f.id) {
            for l in wrap(&format!("    accepted by {by}: {note}"), "    ") {
                lines.push(Line::styled(l, cx.theme.style(Tone::Good)));
            }
        }
    }
    if !said.is_empty() {
        lines.push(Line::styled(format!("⚠ {said}"), cx.theme.style(Tone::Bad)));
    }
    lines.push(Line::styled(
        "j/k move · a accept the warning with a note (coordinator) · Esc close",
        cx.theme.style(Tone::Dim),
    ));
    let tone = if holds { Tone::Info } else { Tone::Bad };
    ModalView::new("preflight".into(), lines, tone, 110)
}

/// Characters of text per line inside the panel's box.
const TEXT_WIDTH: usize = 106;

/// Wraps `text` at spaces into lines of at most [`TEXT_WIDTH`] characters, the lines
/// after the first indented by `indent` (the box's height counts lines, so the panel
/// wraps its own).
fn wrap(text: &str, indent: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    // Nothing but the indent on this line yet.
    let mut fresh = true;
    for word in text.split(' ') {
        if !fresh && line.chars().count() + 1 + word.chars().count() > TEXT_WIDTH {
            out.push(std::mem::take(&mut line));
            line.push_str(indent);
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    out.push(line);
    out
}

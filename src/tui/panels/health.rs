//! Cluster health: one row per probe with its status symbol, value and unit (or NO DATA /
//! ERROR), a sparkline of recent samples, the age of the last sample, and the error or
//! staleness text on the line below when failing. `↺` marks the rollback path's probes.
//!
//! Narrow panels drop the status label, then the sparkline, then the age; the symbol and the
//! value always stay. When the rows do not fit, the worst probes come first and a last line
//! counts the rest, so a critical probe is never scrolled out of sight. Before the first
//! snapshot the declared probes are listed as waiting: never a made-up number.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::probes::{shown, shown_mark, value_text, Shown};
use super::{block, spark, styled, PanelKind};
use crate::drill::probe_in_scope;
use crate::drill::telemetry::health::{human, HistoryPoint, ProbeState, ProbeStatus};
use crate::tui::app::App;
use crate::tui::theme::Tone;

const VALUE_W: usize = 10;
const NARROW_VALUE_W: usize = 8;
const AGE_W: usize = 7;
const LABEL_W: usize = 9;
const SPARK_MIN: usize = 5;
const SPARK_MAX: usize = 30;

/// Which optional columns fit in a panel `width` cells wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    name: usize,
    value: usize,
    label: bool,
    spark: usize,
    age: bool,
}

impl Columns {
    fn fit(width: usize, longest_name: usize) -> Columns {
        let name = longest_name.clamp(4, 18);
        let fixed = 3 + name + 1 + VALUE_W;
        if width < fixed {
            let value = NARROW_VALUE_W;
            let name = width.saturating_sub(3 + 1 + value).clamp(4, name);
            return Columns {
                name,
                value,
                label: false,
                spark: 0,
                age: false,
            };
        }
        let mut rest = width - fixed;
        let age = rest >= AGE_W;
        if age {
            rest -= AGE_W;
        }
        let mut spark = 0;
        if age && rest > SPARK_MIN {
            spark = SPARK_MIN;
            rest -= SPARK_MIN + 1;
        }
        let label = rest > LABEL_W;
        if label {
            rest -= LABEL_W + 1;
        }
        if spark > 0 {
            spark = (spark + rest).min(SPARK_MAX);
        }
        Columns {
            name,
            value: VALUE_W,
            label,
            spark,
            age,
        }
    }
}

/// One probe's lines: its row and, when failing, the detail below it.
struct Entry {
    severity: u8,
    row: Line<'static>,
    detail: Option<Line<'static>>,
}

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let blk = block(app, PanelKind::Health, "health");
    let inner = blk.inner(area);
    blk.render(area, buf);
    let lines = lines(app, now, inner.width as usize, inner.height as usize);
    Paragraph::new(lines).render(inner, buf);
}

/// The panel's lines for an inner area `width` x `height`.
pub fn lines(app: &App, now: DateTime<Utc>, width: usize, height: usize) -> Vec<Line<'static>> {
    let entries: Vec<Entry> = match &app.replica.health {
        Some(snap) if !snap.probes.is_empty() => {
            let longest = snap.probes.iter().map(|p| p.name.chars().count()).max();
            let cols = Columns::fit(width, longest.unwrap_or(0));
            snap.probes
                .iter()
                .map(|p| entry(app, p, now, cols))
                .collect()
        }
        _ if app.runbook.probes.is_empty() => {
            return vec![Line::styled(
                "no probes declared in this runbook",
                styled(app, Tone::Dim),
            )];
        }
        _ => {
            let longest = app.runbook.probes.iter().map(|p| p.name.chars().count());
            let cols = Columns::fit(width, longest.max().unwrap_or(0));
            app.runbook
                .probes
                .iter()
                .map(|p| waiting(app, &p.name, p.rollback_path, cols))
                .collect()
        }
    };
    arrange(app, entries, height)
}

/// All lines in runbook order when they fit; else worst first, details while room is left,
/// and a count of the probes that did not fit.
fn arrange(app: &App, mut entries: Vec<Entry>, height: usize) -> Vec<Line<'static>> {
    let total: usize = entries
        .iter()
        .map(|e| 1 + usize::from(e.detail.is_some()))
        .sum();
    if total <= height {
        return entries
            .into_iter()
            .flat_map(|e| std::iter::once(e.row).chain(e.detail))
            .collect();
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.severity));
    let n = entries.len();
    let rows = if n <= height {
        n
    } else {
        height.saturating_sub(1)
    };
    let mut spare = height.saturating_sub(rows);
    let mut out = Vec::new();
    let mut rest = entries.into_iter();
    for e in rest.by_ref().take(rows) {
        out.push(e.row);
        if let Some(d) = e.detail {
            if spare > 0 && n <= height {
                spare -= 1;
                out.push(d);
            }
        }
    }
    let hidden: Vec<Entry> = rest.collect();
    if !hidden.is_empty() {
        let worst = hidden.iter().map(|e| e.severity).max().unwrap_or(0);
        let tone = if worst >= 3 { Tone::Bad } else { Tone::Dim };
        out.push(Line::styled(
            format!("+{} more probes", hidden.len()),
            styled(app, tone),
        ));
    }
    out
}

fn name_spans(
    app: &App,
    sym: &str,
    tone: Tone,
    name: &str,
    rb: bool,
    w: usize,
) -> Vec<Span<'static>> {
    vec![
        Span::styled(sym.to_string(), styled(app, tone)),
        Span::styled(if rb { "↺ " } else { "  " }, styled(app, Tone::Info)),
        Span::raw(format!("{name:<w$.w$} ")),
    ]
}

fn waiting(app: &App, name: &str, rollback_path: bool, cols: Columns) -> Entry {
    let (sym, tone) = shown_mark(Shown::Waiting);
    let mut spans = name_spans(app, sym, tone, name, rollback_path, cols.name);
    spans.push(Span::styled(
        "waiting for first sample",
        styled(app, Tone::Dim),
    ));
    Entry {
        severity: Shown::Waiting.severity(),
        row: Line::from(spans),
        detail: None,
    }
}

fn entry(app: &App, p: &ProbeState, now: DateTime<Utc>, cols: Columns) -> Entry {
    let s = shown(p);
    if s == Shown::Waiting {
        return waiting(app, &p.name, p.rollback_path, cols);
    }
    let (sym, tone) = shown_mark(s);
    // A probe outside its `active` scope is shown dimmed and counts for nothing.
    let in_scope = probe_in_scope(&app.runbook, app.replica.drill.state(), &p.name);
    let tone = if in_scope { tone } else { Tone::Dim };
    let mut spans = name_spans(app, sym, tone, &p.name, p.rollback_path, cols.name);
    let value = if in_scope {
        value_text(p)
    } else {
        "not now".to_string()
    };
    spans.push(Span::styled(
        format!("{value:>w$.w$}", w = cols.value),
        styled(app, tone),
    ));
    if cols.label {
        let label = match s {
            _ if !in_scope => "",
            Shown::Status(st) => st.label(),
            Shown::Waiting => "",
        };
        spans.push(Span::styled(
            format!(" {label:<LABEL_W$}"),
            styled(app, tone),
        ));
    }
    if cols.spark > 0 {
        let history: Vec<HistoryPoint> = p.history.iter().copied().collect();
        spans.push(Span::raw(" "));
        spans.extend(
            spark::cells(&history, cols.spark)
                .into_iter()
                .map(|(c, t)| Span::styled(c.to_string(), styled(app, t))),
        );
    }
    if cols.age {
        let age = p.age(now).map(human).unwrap_or_default();
        spans.push(Span::styled(
            format!(" {age:>w$}", w = AGE_W - 1),
            styled(app, Tone::Dim),
        ));
    }
    let failing = matches!(
        s,
        Shown::Status(ProbeStatus::Error | ProbeStatus::NoData | ProbeStatus::Critical)
    );
    let detail = p
        .detail()
        .filter(|_| failing && in_scope)
        .map(|d| Line::styled(format!("   └ {d}"), styled(app, tone)));
    Entry {
        severity: if in_scope { s.severity() } else { 0 },
        row: Line::from(spans),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::Columns;

    #[test]
    fn columns_drop_label_then_sparkline_then_age() {
        let wide = Columns::fit(76, 12);
        assert!(wide.label && wide.age && wide.spark > 5, "{wide:?}");
        let mid = Columns::fit(40, 10);
        assert!(!mid.label && mid.age && mid.spark >= 5, "{mid:?}");
        let narrow = Columns::fit(34, 12);
        assert!(
            !narrow.label && narrow.spark == 0 && narrow.age,
            "{narrow:?}"
        );
        let tiny = Columns::fit(18, 12);
        assert!(!tiny.label && tiny.spark == 0 && !tiny.age, "{tiny:?}");
        assert!(tiny.name >= 4);
    }
}

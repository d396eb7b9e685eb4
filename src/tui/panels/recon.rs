//! Recon, per job: progress (chunks checked of the total, rows covered), mismatch counts by
//! kind, the chunk map (verified, mismatched, in flight, pending), and the mismatches as
//! they are found. With the panel focused, j/k walk the mismatches; the selected one opens
//! to show source and target values side by side. A spanning watch (a recon with `active`)
//! gets a line of its own: its span, since when it watches, its differences and how long
//! ago its last round finished; it has no timer that can run over.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::job_list::JobRow;
use super::{block, styled, PanelKind};
use crate::drill::span::{span_state, SpanState};
use crate::drill::telemetry::recon::{
    ChunkState, Mismatch, MismatchKind, ReconProgress, ReconState,
};
use crate::runbook::{Evidence, ReconSpec};
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width.saturating_sub(2)).max(10);
    let focused = app.focus == PanelKind::Recon;
    let selected = app.recon_rows().get(app.recon_selected).copied();
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut selected_line = 0;
    let jobs = app.recon_job_rows();
    if jobs.is_empty() {
        lines.push(Line::styled(
            "no recon jobs declared in this runbook",
            styled(app, Tone::Dim),
        ));
    }
    for (j, row) in jobs.iter().enumerate() {
        let marker = |row: (usize, Option<usize>)| {
            if focused && selected == Some(row) {
                "▸ "
            } else {
                "  "
            }
        };
        if selected == Some((j, None)) {
            selected_line = lines.len();
        }
        let name = match row {
            JobRow::Set { name, tables } => {
                lines.push(Line::styled(
                    format!("{}{name}  {tables}", marker((j, None))),
                    styled(app, Tone::Normal),
                ));
                continue;
            }
            JobRow::Job(name) => name,
        };
        if let Some(spec) = app.runbook.recons.iter().find(|r| &r.name == name) {
            if let Some(line) = watch_line(app, spec, now, marker((j, None))) {
                lines.push(line);
                if !matches!(
                    span_state(&app.runbook, app.replica.drill.state(), &spec.name),
                    Some(SpanState::Watching { .. })
                ) {
                    continue;
                }
            }
        }
        let Some(p) = app.replica.recons.get(name) else {
            let (from, to) = app
                .runbook
                .recon_job(name)
                .map(|s| (s.source_table, s.target_table))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!(
                    "{}{name}  {from}→{to}  waiting for its step to start",
                    marker((j, None)),
                ),
                styled(app, Tone::Dim),
            ));
            continue;
        };
        lines.extend(header(app, p, marker((j, None))));
        if !p.chunks.is_empty() {
            lines.push(Line::styled(
                format!("  chunks {}", chunk_map(p, width.saturating_sub(9))),
                styled(app, Tone::Dim),
            ));
        }
        if let Some(e) = &p.last_error {
            lines.push(Line::styled(
                format!("  error: {e}"),
                styled(app, Tone::Bad),
            ));
        }
        for d in &p.domain {
            for diff in &d.differences {
                lines.push(Line::styled(
                    format!("  check {}: {diff}", d.name),
                    styled(app, Tone::Bad),
                ));
            }
        }
        for (i, m) in p.findings.iter().enumerate() {
            if selected == Some((j, Some(i))) {
                selected_line = lines.len();
            }
            lines.push(finding_line(app, m, marker((j, Some(i)))));
            if focused && selected == Some((j, Some(i))) {
                lines.extend(detail(app, m));
            }
        }
        let hidden = p.counts.total().saturating_sub(p.findings.len() as u64);
        if hidden > 0 {
            lines.push(Line::styled(
                format!(
                    "  … {hidden} more (warroom recon --job {} --json lists all)",
                    p.job
                ),
                styled(app, Tone::Dim),
            ));
        }
    }
    // Keep the selection in view.
    let height = usize::from(area.height.saturating_sub(2));
    let scroll = if focused && selected_line + 3 > height {
        u16::try_from(selected_line + 3 - height).unwrap_or(u16::MAX)
    } else {
        0
    };
    Paragraph::new(lines)
        .block(block(app, PanelKind::Recon, "recon"))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(area, buf);
}

fn header(app: &App, p: &ReconProgress, marker: &str) -> [Line<'static>; 2] {
    let (state, tone) = match p.state {
        ReconState::Planning => ("planning", Tone::Info),
        ReconState::Running => ("running", Tone::Info),
        ReconState::Watching => ("watching", Tone::Info),
        ReconState::Failed => ("FAILED", Tone::Bad),
        ReconState::Done if p.problems() == 0 => ("clean", Tone::Good),
        ReconState::Done => ("MISMATCHES", Tone::Bad),
    };
    let c = p.counts;
    let counts_tone = if c.total() > 0 { Tone::Bad } else { Tone::Good };
    [
        Line::from(vec![
            Span::styled(format!("{marker}{} ", p.job), styled(app, Tone::Normal)),
            Span::styled(state.to_string(), styled(app, tone)),
            Span::raw(format!(
                "  {}/{} chunks  {} rows",
                p.chunks_done,
                p.chunks_total,
                human(p.rows_source)
            )),
        ]),
        Line::styled(
            format!(
                "  {} missing · {} extra · {} changed",
                c.missing, c.extra, c.changed
            ),
            styled(app, counts_tone),
        ),
    ]
}

fn chunk_map(p: &ReconProgress, width: usize) -> String {
    let n = p.chunks.len();
    if n == 0 || width == 0 {
        return String::new();
    }
    // One cell per chunk, or per group of chunks (the worst state wins).
    let per = n.div_ceil(width);
    p.chunks
        .chunks(per)
        .map(|group| {
            let worst = |s: ChunkState| group.iter().any(|c| c.state == s);
            if worst(ChunkState::Mismatched) {
                '✗'
            } else if worst(ChunkState::InFlight) {
                '▒'
            } else if worst(ChunkState::Pending) {
                '·'
            } else {
                '█'
            }
        })
        .collect()
}

fn finding_line(app: &App, m: &Mismatch, marker: &str) -> Line<'static> {
    let what = match m.kind {
        MismatchKind::Changed => format!(
            "changed  {}  ({})",
            m.key.join(", "),
            m.columns
                .iter()
                .map(|c| c.column.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        kind => format!("{:<8} {}", kind.label(), m.key.join(", ")),
    };
    Line::styled(format!("{marker}{what}"), styled(app, Tone::Warn))
}

/// Source and target values of each differing column, side by side.
fn detail(app: &App, m: &Mismatch) -> Vec<Line<'static>> {
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "NULL".into());
    match m.kind {
        MismatchKind::Changed => m
            .columns
            .iter()
            .map(|c| {
                Line::from(vec![
                    Span::styled(format!("      {}: ", c.column), styled(app, Tone::Dim)),
                    Span::raw(format!("source {}", shown(&c.source))),
                    Span::styled("  │  ", styled(app, Tone::Dim)),
                    Span::styled(
                        format!("target {}", shown(&c.target)),
                        styled(app, Tone::Bad),
                    ),
                ])
            })
            .collect(),
        MismatchKind::MissingInTarget => vec![Line::styled(
            "      in the source only: the fix inserts it into the target",
            styled(app, Tone::Dim),
        )],
        MismatchKind::ExtraInTarget => vec![Line::styled(
            "      in the target only: the fix deletes it",
            styled(app, Tone::Dim),
        )],
    }
}

fn human(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1}k", n as f64 / 1e3),
        n => n.to_string(),
    }
}

/// The line of a spanning watch: "balances  watching since 14:02 · 0 differences · last
/// round 5 s ago · until `switch`" (`None`: not a spanning job).
fn watch_line(
    app: &App,
    spec: &ReconSpec,
    now: DateTime<Utc>,
    marker: &str,
) -> Option<Line<'static>> {
    let st = app.replica.drill.state();
    let state = span_state(&app.runbook, st, &spec.name)?;
    let span = spec.active.as_ref()?.describe();
    let evidence = st.evidence.get(&Evidence::ReconClean(spec.name.clone()));
    let (text, tone) = match state {
        SpanState::Waiting => (format!("watch {span}: not started"), Tone::Dim),
        SpanState::Ended(why) => (format!("watch {span}: ended ({})", why.label()), Tone::Dim),
        SpanState::Watching { since } => {
            let p = app.replica.recons.get(&spec.name);
            let diffs = p.map_or(0, |p| p.counts.total());
            let round = p.and_then(ReconProgress::round_at).map_or_else(
                || "first pass running".to_string(),
                |at| {
                    let ago = (now - at).to_std().unwrap_or_default().as_secs();
                    let ago = std::time::Duration::from_secs(ago);
                    format!("last round {} ago", crate::runbook::duration::format(ago))
                },
            );
            let withdrawn = evidence.is_some_and(|e| !e.holds && !e.accepted);
            let tone = if withdrawn || diffs > 0 {
                Tone::Bad
            } else {
                Tone::Good
            };
            let diff_text = match diffs {
                1 => "1 difference".to_string(),
                n => format!("{n} differences"),
            };
            let local = since.with_timezone(&app.local_offset);
            // A watch of days says the day too.
            let since_text = if now - since > chrono::Duration::hours(20) {
                local.format("%b %d %H:%M").to_string()
            } else {
                local.format("%H:%M").to_string()
            };
            let mut text = format!("watching since {since_text} · {diff_text} · {round} · {span}");
            if withdrawn {
                text.push_str(&format!(" · recon:{} WITHDRAWN", spec.name));
            }
            (text, tone)
        }
    };
    Some(Line::from(vec![
        Span::styled(
            format!("{marker}{}  ", spec.name),
            styled(app, Tone::Normal),
        ),
        Span::styled(text, styled(app, tone)),
    ]))
}

/// For the header: the first spanning watch under way whose evidence is withdrawn.
pub fn withdrawn_watch(app: &App) -> Option<String> {
    let st = app.replica.drill.state();
    crate::drill::span::spanning(&app.runbook).find_map(|(spec, _)| {
        let on = matches!(
            span_state(&app.runbook, st, &spec.name),
            Some(SpanState::Watching { .. })
        );
        let e = st.evidence.get(&Evidence::ReconClean(spec.name.clone()))?;
        (on && !e.holds && !e.accepted).then(|| format!("WATCH `{}`: {}", spec.name, e.detail))
    })
}

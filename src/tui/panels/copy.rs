//! Row copy progress, per job: rows copied of the estimate, a percent bar, rows/s now and
//! on average, ETA, throttle state and reason, retries and the last error, and a chunk map
//! (one cell per key range: done, in flight, pending, failed). Jobs with no progress yet
//! are listed as waiting: the panel never shows numbers it does not have.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::job_list::JobRow;
use super::{styled, text_panel, PanelKind};
use crate::drill::telemetry::copy::{CopyProgress, CopyState, RangeState, ThrottleState};
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn render(app: &App, _now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let mut lines = Vec::new();
    let rows = app.copy_rows();
    if rows.is_empty() {
        lines.push(Line::styled(
            "no copy jobs declared in this runbook",
            styled(app, Tone::Dim),
        ));
    }
    let width = usize::from(area.width.saturating_sub(2)).max(10);
    for (i, row) in rows.iter().enumerate() {
        let first = lines.len();
        let name = match row {
            JobRow::Set { name, tables } => {
                lines.push(Line::styled(
                    format!("{name}  {tables}"),
                    styled(app, Tone::Normal),
                ));
                name
            }
            JobRow::Job(name) => {
                if let Some(progress) = app.replica.copies.get(name) {
                    lines.extend(job_lines(app, progress, width));
                } else {
                    let what = app
                        .runbook
                        .copy_job(name)
                        .map(|s| what_it_copies(&s))
                        .unwrap_or_default();
                    lines.push(Line::styled(
                        format!("{name}  {what}  waiting for its step to start"),
                        styled(app, Tone::Dim),
                    ));
                }
                name
            }
        };
        if let Some(orders) = orders_line(app, name) {
            lines.push(orders);
        }
        if app.focus == PanelKind::Copy && i == app.copy_selected {
            if let Some(line) = lines.get_mut(first) {
                line.spans
                    .insert(0, Span::styled("▸ ", styled(app, Tone::Info)));
            }
        }
    }
    text_panel(app, PanelKind::Copy, "copy", lines, area, buf);
}

/// The coordinator's standing orders for a job, from the journal: "paused by the
/// coordinator · limit 5.0k rows/s".
fn orders_line(app: &App, job: &str) -> Option<Line<'static>> {
    let orders = app.replica.drill.state().copy_controls.get(job)?;
    let mut parts = Vec::new();
    if orders.paused {
        parts.push("PAUSED by the coordinator (p resumes)".to_string());
    }
    match orders.rate_limit {
        Some(Some(r)) => parts.push(format!("limit {} rows/s", human(r as f64))),
        Some(None) => parts.push("no rate limit".to_string()),
        None => {}
    }
    if parts.is_empty() {
        return None;
    }
    let tone = if orders.paused {
        Tone::Warn
    } else {
        Tone::Info
    };
    Some(Line::styled(parts.join(" · "), styled(app, tone)))
}

/// `orders→orders`, or for an external job with no table of its own, where it runs:
/// `external job monolith→staging`.
fn what_it_copies(spec: &crate::runbook::CopySpec) -> String {
    if spec.is_whole_job() {
        format!("external job {}→{}", spec.source, spec.target)
    } else {
        format!("{}→{}", spec.source_table, spec.target_table)
    }
}

fn human(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn job_lines(app: &App, p: &CopyProgress, width: usize) -> Vec<Line<'static>> {
    let (state, tone) = match p.state {
        CopyState::Done => ("done", Tone::Good),
        CopyState::Failed => ("FAILED", Tone::Bad),
        CopyState::Retrying => ("RETRYING", Tone::Bad),
        CopyState::Stalled => ("STALLED", Tone::Bad),
        CopyState::Throttled => ("throttled", Tone::Warn),
        CopyState::Paused => ("paused", Tone::Warn),
        CopyState::Cancelled => ("cancelled", Tone::Warn),
        CopyState::Planning => ("planning", Tone::Info),
        CopyState::Running => ("running", Tone::Info),
    };
    let total = p
        .rows_estimated
        .map_or("?".to_string(), |t| human(t as f64));
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", p.job), styled(app, Tone::Normal)),
        Span::styled(state.to_string(), styled(app, tone)),
        Span::raw(format!(
            "  {} / {} rows  {}/s now  {}/s avg",
            human(p.rows_done as f64),
            total,
            human(p.rows_per_sec_now),
            human(p.rows_per_sec_avg)
        )),
    ])];
    if let Some(total) = p.rows_estimated.filter(|t| *t > 0) {
        let share = (p.rows_done as f64 / total as f64).clamp(0.0, 1.0);
        let bar_width = width.saturating_sub(16).max(4);
        // `share` is within 0..=1, so this is within 0..=bar_width.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let filled = (share * bar_width as f64).round() as usize;
        let eta = eta_text(p);
        lines.push(Line::raw(format!(
            "{}{} {:>3.0}%{eta}",
            "█".repeat(filled),
            "░".repeat(bar_width - filled),
            share * 100.0
        )));
    }
    if let Some(rates) = app.replica.copy_rates.get(&p.job).filter(|r| r.len() > 1) {
        let values: Vec<f64> = rates.iter().copied().collect();
        let limit = p
            .rate_limit
            .map_or(String::new(), |r| format!("  limit {}/s", human(r as f64)));
        lines.push(Line::styled(
            format!(
                "rows/s {}{limit}",
                super::spark::bars(&values, width.saturating_sub(24).max(8))
            ),
            styled(app, Tone::Info),
        ));
    }
    let throttle = match p.throttle.state {
        ThrottleState::Free => None,
        ThrottleState::Slowed => Some(("paced", Tone::Warn)),
        ThrottleState::Paused => Some(("PAUSED by throttle", Tone::Bad)),
    };
    if let Some((what, tone)) = throttle {
        lines.push(Line::styled(
            format!("throttle: {what}: {}", p.throttle.reason),
            styled(app, tone),
        ));
    }
    if p.state == CopyState::Stalled {
        // `stalled: no progress for 12m (stalled_after 10m) at 1.2M of 5M rows`
        lines.push(Line::styled(
            p.last_error
                .clone()
                .unwrap_or_else(|| "stalled".to_string()),
            styled(app, Tone::Bad),
        ));
    } else if p.retries > 0 || p.last_error.is_some() {
        lines.push(Line::styled(
            format!(
                "retries {}  {}",
                p.retries,
                p.last_error.clone().unwrap_or_default()
            ),
            styled(app, Tone::Bad),
        ));
    }
    if !p.ranges.is_empty() {
        let map: String = p
            .ranges
            .iter()
            .take(width)
            .map(|r| match r.state {
                RangeState::Done => '█',
                RangeState::InFlight => '▒',
                RangeState::Pending => '·',
                RangeState::Failed => '✗',
            })
            .collect();
        lines.push(Line::styled(
            format!("chunks {map}"),
            styled(app, Tone::Dim),
        ));
    }
    lines
}

/// "ETA 04:10", "ETA 04:10 (12% throttled)" or "ETA: paused". The average pace already
/// includes the time spent throttled, so the ETA assumes the source stays as throttled as
/// it has been; the share says how much that weighs.
fn eta_text(p: &CopyProgress) -> String {
    match p.state {
        CopyState::Done | CopyState::Failed | CopyState::Cancelled => String::new(),
        CopyState::Paused => "  ETA: paused".to_string(),
        CopyState::Stalled => "  ETA: stalled".to_string(),
        _ => p.eta_secs().map_or(String::new(), |s| {
            let share = if p.elapsed_secs > 0.0 {
                p.throttled_secs / p.elapsed_secs
            } else {
                0.0
            };
            if share >= 0.01 {
                format!("  ETA {} ({:.0}% throttled)", clock(s), share * 100.0)
            } else {
                format!("  ETA {}", clock(s))
            }
        }),
    }
}

fn clock(secs: f64) -> String {
    crate::runbook::duration::clock(std::time::Duration::from_secs_f64(secs.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::telemetry::copy::{RangeProgress, Throttle};

    fn progress(state: CopyState, done: u64) -> CopyProgress {
        CopyProgress {
            job: "orders".into(),
            state,
            rows_done: done,
            rows_estimated: Some(20_000),
            rows_per_sec_now: 5_000.0,
            rows_per_sec_avg: 4_000.0,
            elapsed_secs: 2.5,
            throttled_secs: 0.0,
            throttle: Throttle {
                state: ThrottleState::Paused,
                reason: "source latency 250ms > 100ms".into(),
            },
            rate_limit: None,
            retries: 2,
            errors: 2,
            last_error: Some("connection reset".into()),
            chunk_size: 500,
            ranges: vec![
                RangeProgress {
                    lo: "-∞".into(),
                    hi: "10000".into(),
                    state: RangeState::Done,
                    rows_done: 10_000,
                },
                RangeProgress {
                    lo: "10000".into(),
                    hi: "+∞".into(),
                    state: RangeState::InFlight,
                    rows_done: 0,
                },
            ],
        }
    }

    #[test]
    fn shows_real_progress_throttle_retries_and_chunks() {
        let text: Vec<String> = job_lines_for(&progress(CopyState::Throttled, 10_000));
        assert!(
            text[0].contains("orders throttled  10.0k / 20.0k rows  5.0k/s now"),
            "{text:?}"
        );
        assert!(text[1].contains(" 50%  ETA 00:02"), "{text:?}");
        let mut throttled = progress(CopyState::Throttled, 10_000);
        throttled.throttled_secs = 1.0;
        assert!(job_lines_for(&throttled)[1].contains("ETA 00:02 (40% throttled)"));
        let paused = job_lines_for(&progress(CopyState::Paused, 10_000));
        assert!(paused[1].ends_with("ETA: paused"), "{paused:?}");
        assert!(text[2].contains("PAUSED by throttle: source latency 250ms > 100ms"));
        assert!(text[3].contains("retries 2  connection reset"));
        assert_eq!(text[4], "chunks █▒");
    }

    #[test]
    fn a_stalled_external_job_says_so_and_since_when() {
        let mut p = progress(CopyState::Stalled, 12_000);
        p.throttle = Throttle {
            state: ThrottleState::Free,
            reason: String::new(),
        };
        p.ranges.clear();
        p.retries = 0;
        p.last_error =
            Some("stalled: no progress for 12m (stalled_after 10m) at 12000 of 20000 rows".into());
        let text = job_lines_for(&p);
        assert!(
            text[0].starts_with("orders STALLED  12.0k / 20.0k rows"),
            "{text:?}"
        );
        assert!(text[1].ends_with("ETA: stalled"), "{text:?}");
        assert_eq!(
            text[2],
            "stalled: no progress for 12m (stalled_after 10m) at 12000 of 20000 rows"
        );
    }

    fn job_lines_for(p: &CopyProgress) -> Vec<String> {
        let runbook = crate::drill::testkit::RunbookBuilder::new("t")
            .step("a", "coord", "coord", "1m")
            .build();
        let app = App::new(
            std::sync::Arc::new(runbook),
            &[],
            crate::drill::Actor::Person("coord".into()),
            true,
        );
        job_lines(&app, p, 40)
            .into_iter()
            .map(|l| l.spans.iter().map(|s| s.content.to_string()).collect())
            .collect()
    }
}

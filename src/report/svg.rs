//! The planned-against-actual timeline as inline SVG, for the HTML report: per step a thin
//! planned bar over a thick actual bar (overrun in red), gates and points of no return
//! marked, the rollback call as a dashed line and its tasks as bars below.

use std::fmt::Write;

use super::escape::escape;
use super::format::secs;
use super::model::Report;
use super::text_chart::span_secs;

const WIDTH: f64 = 1000.0;
const LABEL: f64 = 210.0;
const ROW: f64 = 24.0;
const TOP: f64 = 28.0;

/// A tick step that gives four to ten ticks over `span` seconds.
fn tick_step(span: f64) -> f64 {
    const STEPS: [f64; 12] = [
        10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 10.0)
        .unwrap_or(span / 10.0)
}

// Short names for the report and the drawing's coordinates keep the SVG arithmetic readable.
#[allow(clippy::many_single_char_names)]
pub fn render(r: &Report) -> String {
    let span = span_secs(r);
    let x = |at: f64| LABEL + (at.max(0.0) / span) * (WIDTH - LABEL - 10.0);
    let task_rows = r.rollback.as_ref().map_or(0, |rb| rb.tasks.len() + 1);
    let rows = r.steps.len() + task_rows;
    let height = TOP + rows as f64 * ROW + 30.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="Timeline: planned against actual">"#
    );
    // Axis and grid.
    let step = tick_step(span);
    let mut t = 0.0;
    while t <= span + 0.5 {
        let _ = write!(
            s,
            r##"<line class="grid" x1="{x:.1}" y1="{y0}" x2="{x:.1}" y2="{y1:.1}" stroke="#ddd"/><text class="tick" x="{x:.1}" y="{ty}" font-size="10" text-anchor="{anchor}">{label}</text>"##,
            x = x(t),
            anchor = if t + step > span + 0.5 {
                "end"
            } else {
                "middle"
            },
            y0 = TOP - 6.0,
            y1 = height - 24.0,
            ty = TOP - 10.0,
            label = if t == 0.0 { "0".to_string() } else { secs(t) }
        );
        t += step;
    }
    for (i, st) in r.steps.iter().enumerate() {
        let y = TOP + i as f64 * ROW;
        let mut label = escape(&st.id);
        if st.gate {
            label.push_str(" ◆");
        }
        let _ = write!(
            s,
            r#"<g class="step" data-step="{id}"><text x="4" y="{ty:.1}" font-size="12">{label}</text>"#,
            id = escape(&st.id),
            ty = y + 15.0
        );
        let (px, pw) = (
            x(st.planned_start_at_secs),
            x(st.planned_end_at_secs) - x(st.planned_start_at_secs),
        );
        let _ = write!(
            s,
            r##"<rect class="planned" x="{px:.1}" y="{y:.1}" width="{pw:.1}" height="6" fill="#9fb3c8"><title>planned {}</title></rect>"##,
            secs(st.planned_secs)
        );
        if let (Some(a), Some(b)) = (st.actual_start_at_secs, st.actual_end_at_secs) {
            let on_plan = (a + st.planned_secs).min(b);
            let fill = if st.failure.is_some() {
                "#b71c1c"
            } else {
                "#2e7d32"
            };
            let _ = write!(
                s,
                r#"<rect class="actual" x="{:.1}" y="{:.1}" width="{:.1}" height="11" fill="{fill}"><title>actual {}</title></rect>"#,
                x(a),
                y + 8.0,
                (x(on_plan) - x(a)).max(1.5),
                st.actual_secs.map_or("-".to_string(), secs)
            );
            if b > on_plan {
                let _ = write!(
                    s,
                    r##"<rect class="overrun" x="{:.1}" y="{:.1}" width="{:.1}" height="11" fill="#e53935"><title>overrun +{}</title></rect>"##,
                    x(on_plan),
                    y + 8.0,
                    x(b) - x(on_plan),
                    secs(b - on_plan)
                );
            }
            if st.irreversible {
                let _ = write!(
                    s,
                    r##"<line class="pnr" x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#6a1b9a" stroke-width="3"><title>point of no return</title></line>"##,
                    y - 2.0,
                    y + 21.0,
                    px = x(b)
                );
            }
        } else if st.irreversible {
            let _ = write!(
                s,
                r##"<line class="pnr" x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#6a1b9a" stroke-width="3" stroke-dasharray="3 2"><title>point of no return (not reached)</title></line>"##,
                y - 2.0,
                y + 21.0,
                px = x(st.planned_end_at_secs)
            );
        }
        if let (Some(at), Some(start)) = (st.skipped_at, r.summary.started_at) {
            let _ = write!(
                s,
                r##"<text class="skipped" x="{:.1}" y="{:.1}" font-size="11" fill="#555">skipped</text>"##,
                x(super::format::between(start, at)),
                y + 18.0
            );
        }
        s.push_str("</g>");
    }
    if let Some(rb) = &r.rollback {
        let y = TOP + r.steps.len() as f64 * ROW;
        let cx = x(rb.called_at_secs);
        let _ = write!(
            s,
            r##"<g class="rollback"><line class="rollback-call" x1="{cx:.1}" y1="{:.1}" x2="{cx:.1}" y2="{:.1}" stroke="#ef6c00" stroke-width="2" stroke-dasharray="6 3"/><text x="4" y="{:.1}" font-size="12" fill="#ef6c00">rollback from {}</text>"##,
            TOP - 6.0,
            height - 24.0,
            y + 15.0,
            escape(&rb.from)
        );
        for (i, t) in rb.tasks.iter().enumerate() {
            let ty = y + (i + 1) as f64 * ROW;
            let _ = write!(
                s,
                r#"<text x="14" y="{:.1}" font-size="12">undo {}</text>"#,
                ty + 15.0,
                escape(&t.step)
            );
            if let (Some(a), Some(b)) = (t.actual_start_at_secs, t.actual_end_at_secs) {
                let _ = write!(
                    s,
                    r##"<rect class="rollback-task" x="{:.1}" y="{:.1}" width="{:.1}" height="11" fill="#ef6c00"><title>{}</title></rect>"##,
                    x(a),
                    ty + 8.0,
                    (x(b) - x(a)).max(1.5),
                    t.actual_secs.map_or("-".to_string(), secs)
                );
            }
        }
        s.push_str("</g>");
    }
    let ly = height - 8.0;
    let _ = write!(
        s,
        r##"<g class="legend" font-size="11"><rect x="4" y="{a:.1}" width="14" height="6" fill="#9fb3c8"/><text x="22" y="{ly:.1}">planned</text><rect x="80" y="{b:.1}" width="14" height="10" fill="#2e7d32"/><text x="98" y="{ly:.1}">actual</text><rect x="150" y="{b:.1}" width="14" height="10" fill="#e53935"/><text x="168" y="{ly:.1}">overrun</text><text x="230" y="{ly:.1}">◆ gate</text><rect x="290" y="{b:.1}" width="3" height="10" fill="#6a1b9a"/><text x="298" y="{ly:.1}">point of no return</text><rect x="420" y="{b:.1}" width="14" height="10" fill="#ef6c00"/><text x="438" y="{ly:.1}">rollback</text></g></svg>"##,
        a = ly - 7.0,
        b = ly - 9.0
    );
    s
}

/// A copy job's recorded rate over time: one point per sample, joined, on the drill clock.
pub fn rate_chart(c: &super::model::CopyReport) -> String {
    const W: f64 = 600.0;
    const H: f64 = 120.0;
    const PAD: f64 = 30.0;
    let t_max = c.samples.iter().map(|s| s.at_secs).fold(1.0_f64, f64::max);
    let r_max = c
        .samples
        .iter()
        .map(|s| s.rows_per_sec)
        .fold(1.0_f64, f64::max);
    let x = |t: f64| PAD + t / t_max * (W - 2.0 * PAD);
    let y = |r: f64| H - PAD + 10.0 - r / r_max * (H - PAD - 10.0);
    let points: Vec<String> = c
        .samples
        .iter()
        .map(|s| format!("{:.1},{:.1}", x(s.at_secs), y(s.rows_per_sec)))
        .collect();
    let mut s = format!(
        r##"<svg class="copy-rate" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" role="img" aria-label="rows per second over time"><line x1="{PAD}" y1="{b:.1}" x2="{r:.1}" y2="{b:.1}" stroke="#999"/><text x="2" y="14" font-size="10">{top}</text><text x="{PAD}" y="{l:.1}" font-size="10">0</text><text x="{r:.1}" y="{l:.1}" font-size="10" text-anchor="end">{end}</text><polyline fill="none" stroke="#1565c0" stroke-width="2" points="{}"/>"##,
        points.join(" "),
        b = H - PAD + 10.0,
        r = W - PAD,
        l = H - 4.0,
        top = escape(&super::format::rate(r_max)),
        end = secs(t_max),
    );
    for p in &points {
        let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
        let _ = write!(s, r##"<circle cx="{px}" cy="{py}" r="3" fill="#1565c0"/>"##);
    }
    s.push_str("</svg>");
    s
}

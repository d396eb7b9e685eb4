//! The planned-against-actual timeline as plain text, for the Markdown report: two rows
//! per step (plan, actual) on one time axis, then the rollback's tasks.

use super::format::secs;
use super::model::Report;

/// Columns of the time axis.
const WIDTH: usize = 60;
const LABEL: usize = 22;

/// The latest offset anything reaches: the axis spans 0..this.
pub fn span_secs(report: &Report) -> f64 {
    let steps = report
        .steps
        .iter()
        .flat_map(|s| [Some(s.planned_end_at_secs), s.actual_end_at_secs]);
    let tasks = report
        .rollback
        .iter()
        .flat_map(|r| r.tasks.iter().map(|t| t.actual_end_at_secs));
    let clock = report.summary.actual_secs;
    steps
        .chain(tasks)
        .chain([clock])
        .flatten()
        .fold(1.0_f64, f64::max)
}

struct Axis {
    span: f64,
}

impl Axis {
    // A float-to-int `as` saturates (a negative time is column 0), clamped to the chart.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn col(&self, at: f64) -> usize {
        (((at / self.span) * WIDTH as f64).round() as usize).min(WIDTH)
    }

    /// A row with `fill` from `from` to `to`, at least one cell wide.
    fn bar(&self, row: &mut [char], from: f64, to: f64, fill: char) {
        let a = self.col(from).min(WIDTH - 1);
        let b = self.col(to).max(a + 1).min(WIDTH);
        for c in row.iter_mut().take(b).skip(a) {
            *c = fill;
        }
    }

    fn mark(&self, row: &mut [char], at: f64, mark: char) {
        let c = self.col(at).min(WIDTH - 1);
        row[c] = mark;
    }
}

fn line(label: &str, kind: &str, row: &[char]) -> String {
    let label: String = label.chars().take(LABEL - 1).collect();
    let body: String = row.iter().collect();
    format!("{label:<LABEL$}{kind:<4}|{body}|")
        .trim_end()
        .to_string()
}

pub fn render(report: &Report) -> String {
    let axis = Axis {
        span: span_secs(report),
    };
    let mut out = Vec::new();
    // Tick labels at each quarter of the axis.
    let mut ticks = vec![' '; WIDTH + 1];
    for q in 0..=4 {
        let at = axis.span * f64::from(q) / 4.0;
        let text = if q == 0 { "0".to_string() } else { secs(at) };
        let start = axis
            .col(at)
            .saturating_sub(if q == 4 { text.len() } else { 0 });
        for (i, ch) in text.chars().enumerate() {
            if let Some(c) = ticks.get_mut(start + i) {
                *c = ch;
            }
        }
    }
    let ticks: String = ticks.iter().collect();
    out.push(format!(
        "{:width$}{}",
        "",
        ticks.trim_end(),
        width = LABEL + 5
    ));
    for s in &report.steps {
        let mut plan = vec![' '; WIDTH];
        axis.bar(
            &mut plan,
            s.planned_start_at_secs,
            s.planned_end_at_secs,
            '-',
        );
        let mut actual = vec![' '; WIDTH];
        if let (Some(a), Some(b)) = (s.actual_start_at_secs, s.actual_end_at_secs) {
            let on_plan = (a + s.planned_secs).min(b);
            axis.bar(&mut actual, a, on_plan, '#');
            if b > on_plan {
                axis.bar(&mut actual, on_plan, b, '+');
            }
            if s.failure.is_some() {
                axis.mark(&mut actual, b, 'x');
            }
        }
        if let Some(at) = s.skipped_at {
            let origin = report.summary.started_at.unwrap_or(at);
            axis.mark(&mut actual, super::format::between(origin, at), 's');
        }
        let mut label = s.id.clone();
        if s.gate {
            label.push_str(" [gate]");
        }
        if s.irreversible {
            label.push_str(" [PNR]");
        }
        out.push(line(&label, "plan", &plan));
        out.push(line("", "act", &actual));
    }
    if let Some(r) = &report.rollback {
        let mut called = vec![' '; WIDTH];
        axis.mark(&mut called, r.called_at_secs, '^');
        out.push(line(&format!("ROLLBACK from {}", r.from), "call", &called));
        for t in &r.tasks {
            let mut row = vec![' '; WIDTH];
            if let (Some(a), Some(b)) = (t.actual_start_at_secs, t.actual_end_at_secs) {
                axis.bar(&mut row, a, b, '<');
            }
            out.push(line(&format!("  undo {}", t.step), "act", &row));
        }
    }
    out.push(String::new());
    out.push(
        "- planned   # actual   + overrun   x failed   s skipped   ^ rollback called   < rollback task"
            .to_string(),
    );
    out.push("[gate] go/no-go gate   [PNR] point of no return".to_string());
    out.join("\n")
}

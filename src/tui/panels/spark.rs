//! Inline sparklines from unicode blocks: one cell per sample, newest on the right, scaled
//! to the window's own range, a dim `·` where a sample had no value. Each cell carries the
//! tone of its sample's status, so a spike that was critical stays red in the history.

use crate::drill::telemetry::health::{HistoryPoint, ProbeStatus};
use crate::tui::theme::Tone;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The last `width` points as (cell, tone), left-padded with blanks to `width`.
// Levels are a share of the range times 7, so within 0..=7.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn cells(history: &[HistoryPoint], width: usize) -> Vec<(char, Tone)> {
    let start = history.len().saturating_sub(width);
    let window = &history[start..];
    let finite = |p: &HistoryPoint| p.value.filter(|v| v.is_finite());
    let (lo, hi) = window
        .iter()
        .filter_map(finite)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let mut out = vec![(' ', Tone::Normal); width - window.len()];
    out.extend(window.iter().map(|p| match finite(p) {
        None => ('·', Tone::Dim),
        Some(v) => {
            let level = if hi > lo {
                (((v - lo) / (hi - lo)) * 7.0).round() as usize
            } else {
                3
            };
            (BLOCKS[level.min(7)], tone(p.status))
        }
    }));
    out
}

/// The last `width` values as bars scaled from zero to the window's maximum (for rates,
/// where zero means stalled), left-padded with blanks.
// Levels are clamped to 0..=7.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn bars(values: &[f64], width: usize) -> String {
    let start = values.len().saturating_sub(width);
    let window = &values[start..];
    let hi = window
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let mut out = " ".repeat(width - window.len());
    out.extend(window.iter().map(|v| {
        if !v.is_finite() || hi <= 0.0 {
            BLOCKS[0]
        } else {
            BLOCKS[((v.max(0.0) / hi) * 7.0).round().min(7.0) as usize]
        }
    }));
    out
}

fn tone(status: ProbeStatus) -> Tone {
    match status {
        ProbeStatus::Ok => Tone::Good,
        ProbeStatus::Warn => Tone::Warn,
        _ => Tone::Bad,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn p(value: Option<f64>, status: ProbeStatus) -> HistoryPoint {
        HistoryPoint {
            at: Utc::now(),
            value,
            status,
        }
    }

    #[test]
    fn scales_pads_and_marks_gaps() {
        let h = [
            p(Some(0.0), ProbeStatus::Ok),
            p(None, ProbeStatus::Error),
            p(Some(10.0), ProbeStatus::Critical),
        ];
        let c: String = cells(&h, 5).iter().map(|c| c.0).collect();
        assert_eq!(c, "  ▁·█");
        assert_eq!(cells(&h, 5)[4].1, Tone::Bad);
        let c: String = cells(&h, 2).iter().map(|c| c.0).collect();
        assert_eq!(c, "·▄", "a single value is drawn mid-height");
    }
}

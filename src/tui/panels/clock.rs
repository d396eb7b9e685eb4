//! The drill clock, large, with the current step under it (observer and wallboard).

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::{block, overrun_tone, styled, PanelKind};
use crate::runbook::duration;
use crate::tui::app::App;
use crate::tui::theme::Tone;

pub fn render(app: &App, now: DateTime<Utc>, area: Rect, buf: &mut Buffer) {
    let d = &app.replica.drill;
    let t = d.timing();
    let st = d.state();
    let blk = block(app, PanelKind::Clock, "drill clock");
    let inner = blk.inner(area);
    blk.render(area, buf);
    let clock = t
        .drill_clock(now)
        .map_or("--:--".into(), |c| format!("T+{}", duration::clock(c)));
    let style = styled(app, Tone::Accent).add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = match big_text(&clock) {
        Some(rows) if rows[0].chars().count() <= inner.width as usize && inner.height >= 4 => {
            rows.into_iter().map(|r| Line::styled(r, style)).collect()
        }
        _ => vec![Line::styled(clock, style)],
    };
    let rb = &app.runbook;
    for i in (0..rb.steps.len()).filter(|&i| st.status(i).is_active()) {
        let s = &rb.steps[i];
        let e = t.elapsed(i, now).unwrap_or_default();
        lines.push(Line::styled(
            format!(
                "▶ {} {}/{}",
                s.id,
                duration::clock(e),
                duration::clock(s.planned)
            ),
            styled(app, overrun_tone(s.planned, e)),
        ));
    }
    Paragraph::new(lines)
        .alignment(Alignment::Center)
        .render(inner, buf);
}

/// Three-row glyphs for the digits and the few signs a clock needs.
fn glyph(c: char) -> Option<[&'static str; 3]> {
    Some(match c {
        '0' => ["┏━┓", "┃ ┃", "┗━┛"],
        '1' => [" ╺┓", "  ┃", " ╺┻"],
        '2' => ["┏━┓", "┏━┛", "┗━╸"],
        '3' => ["┏━┓", " ━┫", "┗━┛"],
        '4' => ["╻ ╻", "┗━┫", "  ╹"],
        '5' => ["┏━╸", "┗━┓", "┗━┛"],
        '6' => ["┏━╸", "┣━┓", "┗━┛"],
        '7' => ["┏━┓", "  ┃", "  ╹"],
        '8' => ["┏━┓", "┣━┫", "┗━┛"],
        '9' => ["┏━┓", "┗━┫", "┗━┛"],
        ':' => [" ", "╏", " "],
        '+' => ["   ", "╺╋╸", "   "],
        'T' => ["╺┳╸", " ┃ ", " ╹ "],
        '-' => ["  ", "━━", "  "],
        ' ' => [" ", " ", " "],
        _ => return None,
    })
}

/// `text` in three-row glyphs, one space between characters; `None` if a character has
/// no glyph.
fn big_text(text: &str) -> Option<[String; 3]> {
    let mut rows = [String::new(), String::new(), String::new()];
    for (i, c) in text.chars().enumerate() {
        let g = glyph(c)?;
        for (row, part) in rows.iter_mut().zip(g) {
            if i > 0 {
                row.push(' ');
            }
            row.push_str(part);
        }
    }
    Some(rows)
}

//! The replay's own keys (play, pause, speed, step, jump), read before the console's key
//! map so they work on every panel, and the one list the key bar and the help show.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a replay key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    TogglePlay,
    Faster,
    Slower,
    StepForward,
    StepBack,
    /// To the moment the selected step started.
    JumpToStep,
    /// Ask for a time to jump to.
    AskTime,
    ToStart,
    ToEnd,
}

/// Playback speeds, drill seconds per wall second.
pub const SPEEDS: [u32; 6] = [1, 2, 5, 10, 30, 60];

/// (keys, label) for the key bar and the help, in this order.
pub const KEYS: [(&str, &str); 6] = [
    ("Space", "play/pause"),
    ("+/-", "speed"),
    ("./,", "step event"),
    ("J", "jump to step"),
    ("t", "jump to time"),
    ("</>", "start/end"),
];

/// The replay control `key` is bound to, if any.
pub fn control(key: &KeyEvent) -> Option<Control> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    Some(match key.code {
        KeyCode::Char(' ') => Control::TogglePlay,
        KeyCode::Char('+' | '=') => Control::Faster,
        KeyCode::Char('-' | '_') => Control::Slower,
        KeyCode::Char('.') | KeyCode::Right => Control::StepForward,
        KeyCode::Char(',') | KeyCode::Left => Control::StepBack,
        KeyCode::Char('J') => Control::JumpToStep,
        KeyCode::Char('t') => Control::AskTime,
        KeyCode::Char('<') => Control::ToStart,
        KeyCode::Char('>') => Control::ToEnd,
        _ => return None,
    })
}

/// A time typed by the reader: `T+H:MM:SS`, `+MM:SS` or `+H:MM:SS` on the drill clock
/// (from `start`), or `HH:MM[:SS]` in UTC on the day the drill started.
pub fn parse_time(text: &str, start: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let bad =
        || format!("`{text}` is not a time: give T+H:MM:SS on the drill clock, or HH:MM[:SS] UTC");
    if let Some(offset) = text
        .strip_prefix("T+")
        .or_else(|| text.strip_prefix("t+"))
        .or_else(|| text.strip_prefix('+'))
    {
        let parts: Vec<i64> = offset
            .split(':')
            .map(|p| p.parse::<i64>().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        let secs = match parts.as_slice() {
            [s] => *s,
            [m, s] => m * 60 + s,
            [h, m, s] => h * 3600 + m * 60 + s,
            _ => return Err(bad()),
        };
        return Ok(start + Duration::seconds(secs));
    }
    let time = NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map_err(|_| bad())?;
    Ok(start.date_naive().and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn drill_clock_and_wall_times_parse() {
        let s = start();
        assert_eq!(parse_time("T+0:12:30", s), Ok(s + Duration::seconds(750)));
        assert_eq!(parse_time("+12:30", s), Ok(s + Duration::seconds(750)));
        assert_eq!(parse_time("22:15", s), Ok(s + Duration::minutes(15)));
        assert_eq!(parse_time("22:15:05", s), Ok(s + Duration::seconds(905)));
        assert!(parse_time("soon", s).is_err());
        assert!(parse_time("+1:2:3:4", s).is_err());
    }

    #[test]
    fn replay_keys_do_not_take_the_consoles_keys() {
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        for c in ['j', 'k', 'g', 'G', 'q', '?', ':', '/', 's', 'o', 'L'] {
            assert_eq!(control(&key(c)), None, "{c}");
        }
        assert_eq!(control(&key(' ')), Some(Control::TogglePlay));
        assert_eq!(control(&key('.')), Some(Control::StepForward));
    }
}

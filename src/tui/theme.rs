//! Colours and symbols. Every state is told apart by a symbol first and a colour second,
//! so the console stays readable under `NO_COLOR` (<https://no-color.org>) and on a
//! monochrome wallboard.

use ratatui::style::{Color, Modifier, Style};

/// How loud a thing is on screen. Panels ask the theme for a style by meaning, never by
/// colour, so the no-colour theme can map every meaning to a modifier instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Dim,
    Good,
    Info,
    Warn,
    Bad,
    /// Selected row / focused border.
    Accent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self::from_env()
    }
}

impl Theme {
    pub const COLOR: Theme = Theme { color: true };
    pub const MONO: Theme = Theme { color: false };

    /// Colour unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn style(&self, tone: Tone) -> Style {
        if self.color {
            match tone {
                Tone::Normal => Style::new(),
                Tone::Dim => Style::new().fg(Color::DarkGray),
                Tone::Good => Style::new().fg(Color::Green),
                Tone::Info => Style::new().fg(Color::Cyan),
                Tone::Warn => Style::new().fg(Color::Yellow),
                Tone::Bad => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                Tone::Accent => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            }
        } else {
            match tone {
                Tone::Normal | Tone::Good | Tone::Info => Style::new(),
                Tone::Dim => Style::new().add_modifier(Modifier::DIM),
                Tone::Warn | Tone::Accent => Style::new().add_modifier(Modifier::BOLD),
                Tone::Bad => Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            }
        }
    }

    /// The whole-line style of a banner (header, flash) in this tone: coloured background.
    pub fn banner(&self, tone: Tone) -> Style {
        if !self.color {
            return match tone {
                Tone::Bad | Tone::Warn => {
                    Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
                }
                _ => Style::new().add_modifier(Modifier::REVERSED),
            };
        }
        let bg = match tone {
            Tone::Bad => Color::Red,
            Tone::Warn => Color::Yellow,
            Tone::Good => Color::Green,
            Tone::Info | Tone::Accent => Color::Blue,
            Tone::Normal | Tone::Dim => Color::DarkGray,
        };
        let fg = match tone {
            Tone::Warn | Tone::Good => Color::Black,
            _ => Color::White,
        };
        Style::new().bg(bg).fg(fg).add_modifier(Modifier::BOLD)
    }

    /// Style of the selected row.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Border of a panel, brighter when it has focus.
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.style(Tone::Accent)
        } else {
            self.style(Tone::Dim)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_theme_has_no_colours() {
        for tone in [
            Tone::Normal,
            Tone::Dim,
            Tone::Good,
            Tone::Info,
            Tone::Warn,
            Tone::Bad,
            Tone::Accent,
        ] {
            let s = Theme::MONO.style(tone);
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
            let b = Theme::MONO.banner(tone);
            assert_eq!((b.fg, b.bg), (None, None));
        }
        assert_ne!(
            Theme::MONO.style(Tone::Bad),
            Theme::MONO.style(Tone::Normal)
        );
    }
}

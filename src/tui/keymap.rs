//! One key map feeds the key handler, the hint bar and the `?` help, so they never
//! disagree. Users may rebind keys (`keys.toml`), but which actions change the drill, and so
//! need a sink, the role's permission and a confirmation, is decided here in code: a
//! rebinding cannot turn an observer into a signer.
//!
//! ```toml
//! [keys]
//! sign_off = "o"                 # one key
//! down = ["j", "<Down>", "<Ctrl-n>"]
//! ```

use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use super::panels::PanelKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    FocusNext,
    FocusPrev,
    Open,
    Filter,
    CommandLine,
    Help,
    Close,
    Quit,
    CycleLayout,
    Start,
    Done,
    SignOff,
    Fail,
    Skip,
    Go,
    NoGo,
    OverrideGate,
    Note,
    Rollback,
    PauseCopy,
    CopyRate,
    AcceptEvidence,
    ApplyFix,
}

/// Where an action is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere.
    Global,
    /// When a panel with a list has focus.
    List,
    /// On the selected step (runbook or step panel focused).
    Step,
    /// On the selected copy or recon job: the job panel's selection, or the selected
    /// step's action.
    Job,
}

impl Action {
    pub const ALL: [Action; 27] = [
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Open,
        Action::Filter,
        Action::CommandLine,
        Action::Help,
        Action::Close,
        Action::Quit,
        Action::CycleLayout,
        Action::Start,
        Action::Done,
        Action::SignOff,
        Action::Fail,
        Action::Skip,
        Action::Go,
        Action::NoGo,
        Action::OverrideGate,
        Action::Note,
        Action::Rollback,
        Action::PauseCopy,
        Action::CopyRate,
        Action::AcceptEvidence,
        Action::ApplyFix,
    ];

    /// The name used in `keys.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::Open => "open",
            Action::Filter => "filter",
            Action::CommandLine => "command_line",
            Action::Help => "help",
            Action::Close => "close",
            Action::Quit => "quit",
            Action::CycleLayout => "cycle_layout",
            Action::Start => "start",
            Action::Done => "done",
            Action::SignOff => "sign_off",
            Action::Fail => "fail",
            Action::Skip => "skip",
            Action::Go => "go",
            Action::NoGo => "no_go",
            Action::OverrideGate => "override_gate",
            Action::Note => "note",
            Action::Rollback => "rollback",
            Action::PauseCopy => "pause_copy",
            Action::CopyRate => "copy_rate",
            Action::AcceptEvidence => "accept_evidence",
            Action::ApplyFix => "apply_fix",
        }
    }

    /// Short label for the hint bar and help.
    pub fn label(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::FocusNext => "next panel",
            Action::FocusPrev => "prev panel",
            Action::Open => "open step",
            Action::Filter => "filter",
            Action::CommandLine => "command",
            Action::Help => "help",
            Action::Close => "close",
            Action::Quit => "quit",
            Action::CycleLayout => "layout",
            Action::Start => "start",
            Action::Done => "done",
            Action::SignOff => "sign off",
            Action::Fail => "fail",
            Action::Skip => "skip",
            Action::Go => "GO",
            Action::NoGo => "NO-GO",
            Action::OverrideGate => "override gate",
            Action::Note => "note",
            Action::Rollback => "rollback",
            Action::PauseCopy => "pause/resume copy",
            Action::CopyRate => "copy rate",
            Action::AcceptEvidence => "accept evidence",
            Action::ApplyFix => "apply fix",
        }
    }

    /// Decided in code, never by configuration: does this action send a drill command?
    pub fn changes_drill(self) -> bool {
        matches!(
            self,
            Action::Start
                | Action::Done
                | Action::SignOff
                | Action::Fail
                | Action::Skip
                | Action::Go
                | Action::NoGo
                | Action::OverrideGate
                | Action::Note
                | Action::Rollback
                | Action::PauseCopy
                | Action::CopyRate
                | Action::AcceptEvidence
                | Action::ApplyFix
        )
    }

    pub fn scope(self) -> Scope {
        match self {
            Action::Up | Action::Down | Action::Top | Action::Bottom => Scope::List,
            Action::Open => Scope::Step,
            Action::PauseCopy | Action::CopyRate | Action::ApplyFix => Scope::Job,
            a if a.changes_drill() => Scope::Step,
            _ => Scope::Global,
        }
    }

    /// Is this action offered while `focus` has focus?
    pub fn in_scope(self, focus: PanelKind) -> bool {
        match self.scope() {
            Scope::Global => true,
            Scope::List => focus.focusable(),
            Scope::Step => matches!(focus, PanelKind::Runbook | PanelKind::Step),
            Scope::Job => matches!(
                focus,
                PanelKind::Runbook | PanelKind::Step | PanelKind::Copy | PanelKind::Recon
            ),
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    fn default_keys(self) -> &'static [&'static str] {
        match self {
            Action::Up => &["k", "<Up>"],
            Action::Down => &["j", "<Down>"],
            Action::Top => &["g", "<Home>"],
            Action::Bottom => &["G", "<End>"],
            Action::FocusNext => &["<Tab>"],
            Action::FocusPrev => &["<BackTab>"],
            Action::Open => &["<Enter>"],
            Action::Filter => &["/"],
            Action::CommandLine => &[":"],
            Action::Help => &["?"],
            Action::Close => &["<Esc>"],
            Action::Quit => &["q", "<Ctrl-c>"],
            Action::CycleLayout => &["L"],
            Action::Start => &["s"],
            Action::Done => &["d"],
            Action::SignOff => &["o"],
            Action::Fail => &["f"],
            Action::Skip => &["x"],
            Action::Go => &["y"],
            Action::NoGo => &["n"],
            Action::OverrideGate => &["O"],
            Action::Note => &["N"],
            Action::Rollback => &["R"],
            Action::PauseCopy => &["p"],
            Action::CopyRate => &["r"],
            Action::AcceptEvidence => &["A"],
            Action::ApplyFix => &["F"],
        }
    }
}

/// A key with its modifiers, normalised so that `G` and Shift-`g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses `j`, `G`, `?`, `<Enter>`, `<Ctrl-d>`, `<Alt-x>`, `<F1>`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let bad = || format!("`{text}` is not a key (write e.g. \"j\", \"<Enter>\", \"<Ctrl-d>\")");
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Key {
                code: KeyCode::Char(c),
                ctrl: false,
                alt: false,
            });
        }
        let inner = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .ok_or_else(bad)?;
        let (mut ctrl, mut alt) = (false, false);
        let mut rest = inner;
        loop {
            if let Some(r) = rest
                .strip_prefix("Ctrl-")
                .or_else(|| rest.strip_prefix("C-"))
            {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest
                .strip_prefix("Alt-")
                .or_else(|| rest.strip_prefix("A-"))
            {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Enter" | "CR" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" | "S-Tab" => KeyCode::BackTab,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Space" => KeyCode::Char(' '),
            "Backspace" => KeyCode::Backspace,
            "Delete" | "Del" => KeyCode::Delete,
            f if f.starts_with('F') => f[1..].parse::<u8>().map(KeyCode::F).map_err(|_| bad())?,
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if !self.ctrl && !self.alt => return write!(f, "{c}"),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let ctrl = if self.ctrl { "C-" } else { "" };
        let alt = if self.alt { "A-" } else { "" };
        write!(f, "{ctrl}{alt}{name}")
    }
}

/// A `keys.toml` that does not parse: `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct KeyMapError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<(Key, Action)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let mut bindings = Vec::new();
        for action in Action::ALL {
            for k in action.default_keys() {
                if let Ok(key) = Key::parse(k) {
                    bindings.push((key, action));
                }
            }
        }
        KeyMap { bindings }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for its shape only
struct KeysFile {
    #[serde(default)]
    keys: toml::map::Map<String, toml::Value>,
}

#[derive(Deserialize)]
struct SpannedKeys {
    #[serde(default)]
    keys: std::collections::BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

impl KeyMap {
    /// The action bound to a key press, if any.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        self.bindings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| *a)
    }

    pub fn keys_for(&self, action: Action) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// Keys of an action joined for display: `j/↓`.
    pub fn keys_label(&self, action: Action) -> String {
        self.keys_for(action)
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The defaults with a user file's overrides applied. An action named in the file gets
    /// exactly the keys listed; a key taken by it is removed from every other action.
    pub fn with_overrides(file: &str, text: &str) -> Result<KeyMap, KeyMapError> {
        let err = |span: Option<std::ops::Range<usize>>, message: String| {
            let offset = span.map_or(0, |s| s.start).min(text.len());
            let before = &text[..offset];
            KeyMapError {
                file: file.to_string(),
                line: before.matches('\n').count() + 1,
                col: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
                message,
            }
        };
        // First pass: shape (unknown top-level tables) with precise errors.
        toml::from_str::<KeysFile>(text)
            .map_err(|e| err(e.span(), e.message().trim().to_string()))?;
        let parsed: SpannedKeys =
            toml::from_str(text).map_err(|e| err(e.span(), e.message().trim().to_string()))?;
        let mut map = KeyMap::default();
        for (name, keys) in parsed.keys {
            let action = Action::from_name(name.get_ref()).ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                err(
                    Some(name.span()),
                    format!(
                        "unknown action `{}` (known: {})",
                        name.get_ref(),
                        names.join(", ")
                    ),
                )
            })?;
            let span = keys.span();
            let list: Vec<String> = match keys.into_inner() {
                toml::Value::String(k) => vec![k],
                toml::Value::Array(ks) => ks
                    .into_iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<_>>()
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            if list.is_empty() {
                return Err(err(
                    Some(span),
                    "expected a key (\"o\") or a list of keys".into(),
                ));
            }
            let mut new_keys = Vec::new();
            for k in list {
                new_keys.push(Key::parse(&k).map_err(|m| err(Some(span.clone()), m))?);
            }
            map.bindings
                .retain(|(k, a)| *a != action && !new_keys.contains(k));
            map.bindings
                .extend(new_keys.into_iter().map(|k| (k, action)));
        }
        Ok(map)
    }

    /// Reads a user key file; a missing file means the defaults.
    pub fn load(path: &Path) -> Result<KeyMap, KeyMapError> {
        match std::fs::read_to_string(path) {
            Ok(text) => KeyMap::with_overrides(&path.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyMap::default()),
            Err(e) => Err(KeyMapError {
                file: path.display().to_string(),
                line: 1,
                col: 1,
                message: format!("cannot read: {e}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_cover_every_action() {
        let map = KeyMap::default();
        for a in Action::ALL {
            assert!(!map.keys_for(a).is_empty(), "{a:?} has a key");
        }
        assert_eq!(
            map.action(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(&press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(map.keys_label(Action::Down), "j/↓");
    }

    #[test]
    fn overrides_move_keys_between_actions() {
        let map = KeyMap::with_overrides(
            "k.toml",
            "[keys]\nsign_off = [\"s\", \"<Ctrl-o>\"]\nstart = \"S\"\n",
        )
        .unwrap();
        assert_eq!(
            map.action(&press(KeyCode::Char('s'), KeyModifiers::NONE)),
            Some(Action::SignOff)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('o'), KeyModifiers::CONTROL)),
            Some(Action::SignOff)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('o'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('S'), KeyModifiers::SHIFT)),
            Some(Action::Start)
        );
        // Danger stays with the action, whatever key it is on.
        assert!(Action::SignOff.changes_drill());
    }

    #[test]
    fn bad_key_files_point_at_the_mistake() {
        let e = KeyMap::with_overrides("k.toml", "[keys]\nsign_of = \"o\"\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 1), "{e}");
        assert!(e.message.contains("unknown action `sign_of`"));
        let e = KeyMap::with_overrides("k.toml", "[keys]\nstart = \"<Hyper-x>\"\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 9), "{e}");
        let e = KeyMap::with_overrides("k.toml", "[colors]\nx = 1\n").unwrap_err();
        assert!(e.to_string().starts_with("k.toml:1:"), "{e}");
    }
}

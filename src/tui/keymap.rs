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

use super::panel_kind::PanelKind;

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
    Contingency,
    PauseCopy,
    CopyRate,
    AcceptEvidence,
    ApplyFix,
    Handover,
    AcceptHandover,
    DeclineHandover,
    Preflight,
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

/// Everything the console knows about one action, in one row: the key map, the hint bar,
/// the help and the confirmations are all built from [`SPECS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    pub action: Action,
    /// The name used in `keys.toml`.
    pub name: &'static str,
    /// Short label for the hint bar and help.
    pub label: &'static str,
    /// Default keys (users may rebind them).
    pub keys: &'static [&'static str],
    /// Where it is offered.
    pub scope: Scope,
    /// Decided in code, never by configuration: does it send a drill command (and so need
    /// a sink, the role's permission and a confirmation)?
    pub changes_drill: bool,
    /// Does it ask for typed text (a reason, a note, a rate) before its confirmation?
    pub needs_reason: bool,
}

/// One row per action, in [`Action`]'s order (a test holds them together).
pub const SPECS: [ActionSpec; 32] = [
    ActionSpec {
        action: Action::Up,
        name: "up",
        label: "up",
        keys: &["k", "<Up>"],
        scope: Scope::List,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Down,
        name: "down",
        label: "down",
        keys: &["j", "<Down>"],
        scope: Scope::List,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Top,
        name: "top",
        label: "top",
        keys: &["g", "<Home>"],
        scope: Scope::List,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Bottom,
        name: "bottom",
        label: "bottom",
        keys: &["G", "<End>"],
        scope: Scope::List,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::FocusNext,
        name: "focus_next",
        label: "next panel",
        keys: &["<Tab>"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::FocusPrev,
        name: "focus_prev",
        label: "prev panel",
        keys: &["<BackTab>"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Open,
        name: "open",
        label: "open step",
        keys: &["<Enter>"],
        scope: Scope::Step,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Filter,
        name: "filter",
        label: "filter",
        keys: &["/"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::CommandLine,
        name: "command_line",
        label: "command",
        keys: &[":"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Help,
        name: "help",
        label: "help",
        keys: &["?"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Close,
        name: "close",
        label: "close",
        keys: &["<Esc>"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Quit,
        name: "quit",
        label: "quit",
        keys: &["q", "<Ctrl-c>"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::CycleLayout,
        name: "cycle_layout",
        label: "layout",
        keys: &["L"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Start,
        name: "start",
        label: "start",
        keys: &["s"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Done,
        name: "done",
        label: "done",
        keys: &["d"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::SignOff,
        name: "sign_off",
        label: "sign off",
        keys: &["o"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Fail,
        name: "fail",
        label: "fail",
        keys: &["f"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::Skip,
        name: "skip",
        label: "skip",
        keys: &["x"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::Go,
        name: "go",
        label: "GO",
        keys: &["y"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::NoGo,
        name: "no_go",
        label: "NO-GO",
        keys: &["n"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::OverrideGate,
        name: "override_gate",
        label: "override gate",
        keys: &["O"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::Note,
        name: "note",
        label: "note",
        keys: &["N"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::Rollback,
        name: "rollback",
        label: "rollback",
        keys: &["R"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::Contingency,
        name: "contingency",
        label: "call contingency",
        keys: &["K"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::PauseCopy,
        name: "pause_copy",
        label: "pause/resume copy",
        keys: &["p"],
        scope: Scope::Job,
        changes_drill: true,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::CopyRate,
        name: "copy_rate",
        label: "copy rate",
        keys: &["r"],
        scope: Scope::Job,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::AcceptEvidence,
        name: "accept_evidence",
        label: "accept evidence",
        keys: &["A"],
        scope: Scope::Step,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::ApplyFix,
        name: "apply_fix",
        label: "apply fix",
        keys: &["F"],
        scope: Scope::Job,
        changes_drill: true,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::Handover,
        name: "handover",
        label: "hand over",
        keys: &["H"],
        scope: Scope::Global,
        changes_drill: true,
        needs_reason: true,
    },
    ActionSpec {
        action: Action::AcceptHandover,
        name: "accept_handover",
        label: "accept handover",
        keys: &["a"],
        scope: Scope::Global,
        changes_drill: true,
        needs_reason: false,
    },
    ActionSpec {
        action: Action::DeclineHandover,
        name: "decline_handover",
        label: "decline handover",
        keys: &["D"],
        scope: Scope::Global,
        changes_drill: true,
        needs_reason: false,
    },
    // Opens the panel; accepting a warning in it goes through a note and its y/N.
    ActionSpec {
        action: Action::Preflight,
        name: "preflight",
        label: "preflight findings",
        keys: &["P"],
        scope: Scope::Global,
        changes_drill: false,
        needs_reason: false,
    },
];

impl Action {
    pub const ALL: [Action; 32] = {
        let mut all = [Action::Up; 32];
        let mut i = 0;
        while i < SPECS.len() {
            all[i] = SPECS[i].action;
            i += 1;
        }
        all
    };

    pub fn spec(self) -> &'static ActionSpec {
        &SPECS[self as usize]
    }

    /// The name used in `keys.toml`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Short label for the hint bar and help.
    pub fn label(self) -> &'static str {
        self.spec().label
    }

    /// Decided in code, never by configuration: does this action send a drill command?
    pub fn changes_drill(self) -> bool {
        self.spec().changes_drill
    }

    pub fn needs_reason(self) -> bool {
        self.spec().needs_reason
    }

    pub fn scope(self) -> Scope {
        self.spec().scope
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
        SPECS.iter().find(|s| s.name == name).map(|s| s.action)
    }

    fn default_keys(self) -> &'static [&'static str] {
        self.spec().keys
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
    fn one_spec_row_per_action_in_order() {
        for (i, spec) in SPECS.iter().enumerate() {
            assert_eq!(spec.action as usize, i, "{spec:?} is out of order");
            assert_eq!(Action::ALL[i], spec.action);
        }
        let mut names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SPECS.len(), "action names are unique");
        // Anything that asks for text changes the drill, and so is confirmed.
        assert!(SPECS.iter().all(|s| !s.needs_reason || s.changes_drill));
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

//! The kinds of panel a layout can place: a name for each (as layouts/*.toml spell it)
//! and which of them take keyboard focus. Apart from the panels themselves, so the app, the
//! key map and the layouts can name a panel without depending on how it is drawn.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelKind {
    Header,
    Runbook,
    Step,
    Log,
    People,
    Copy,
    Recon,
    Health,
    Keys,
    /// The drill clock in big digits (observer and wallboard layouts).
    Clock,
}

impl PanelKind {
    pub const ALL: [PanelKind; 10] = [
        PanelKind::Header,
        PanelKind::Runbook,
        PanelKind::Step,
        PanelKind::Log,
        PanelKind::People,
        PanelKind::Copy,
        PanelKind::Recon,
        PanelKind::Health,
        PanelKind::Keys,
        PanelKind::Clock,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PanelKind::Header => "header",
            PanelKind::Runbook => "runbook",
            PanelKind::Step => "step",
            PanelKind::Log => "log",
            PanelKind::People => "people",
            PanelKind::Copy => "copy",
            PanelKind::Recon => "recon",
            PanelKind::Health => "health",
            PanelKind::Keys => "keys",
            PanelKind::Clock => "clock",
        }
    }

    pub fn from_name(name: &str) -> Option<PanelKind> {
        PanelKind::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Panels that take keyboard focus (the others are read-only displays).
    pub fn focusable(self) -> bool {
        matches!(
            self,
            PanelKind::Runbook
                | PanelKind::Step
                | PanelKind::Log
                | PanelKind::People
                | PanelKind::Copy
                | PanelKind::Recon
        )
    }
}

impl fmt::Display for PanelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! The console's state and its key handling, with no terminal: `handle_key` turns key
//! presses into [`AppEffect`]s (commands to send, quit), so tests drive it headless.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, KeyEventKind};

use super::feed::Feed;
use super::keymap::{Action, KeyMap};
use super::layout::{Layout, LayoutSet, DEFAULT_LAYOUT};
use super::modal::{self, KeyOutcome, Modal, ModalContext, ReasonFor};
use super::panel_kind::PanelKind;
use super::theme::{Theme, Tone};
use crate::drill::{
    Actor, Command, CommandKind, Duty, Event, Replica, Role, StepStatus, Target, Update,
};
use crate::line::LineRequest;
use crate::runbook::Runbook;

/// What the event loop must do after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEffect {
    Send(Command),
    Quit,
}

/// A one-line message under the header that clears itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub text: String,
    pub tone: Tone,
    pub until: DateTime<Utc>,
}

/// A selectable row of the runbook panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// Index into `runbook.steps`.
    Step(usize),
    /// Index into the active rollback's tasks.
    Rollback(usize),
}

/// What the console knows about its link to the hub, shown in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub text: String,
    pub ok: bool,
}

pub struct App {
    pub runbook: Arc<Runbook>,
    pub replica: Replica,
    pub operator: Actor,
    /// False for observers: no drill-changing key is bound, shown or sent.
    pub can_send: bool,
    pub keymap: KeyMap,
    pub layouts: LayoutSet,
    pub layout: Layout,
    pub focus: PanelKind,
    /// Index into [`App::rows`].
    pub selected: usize,
    pub filter: String,
    pub modals: Vec<Modal>,
    pub flash: Option<Flash>,
    pub title: String,
    pub connection: Connection,
    pub theme: Theme,
    /// Timeline scroll: lines up from the newest.
    pub log_scroll: usize,
    /// The selection follows the step that needs attention as updates arrive, until the
    /// operator moves it (then `g`/`:goto` keep it where they put it).
    pub follow: bool,
    /// Selected job in the copy panel (index into `runbook.copies`).
    pub copy_selected: usize,
    /// Selected row of the recon panel (index into [`App::recon_rows`]).
    pub recon_selected: usize,
    /// The operator's local time zone for the header (fixed at start; tests set UTC).
    pub local_offset: chrono::FixedOffset,
    /// Keys of a mode wrapped around the console (the replay's), shown first in the key
    /// bar and in the help: (keys, label).
    pub mode_keys: Vec<(String, &'static str)>,
    /// Earlier drills of this runbook in the drills folder, if any (see [`super::history`]).
    pub history: Option<std::sync::Arc<crate::report::history::Baseline>>,
}

const FLASH_SECS: i64 = 6;

impl App {
    pub fn new(runbook: Arc<Runbook>, events: &[Event], operator: Actor, can_send: bool) -> App {
        let layouts = LayoutSet::builtin();
        let layout = layouts
            .get(DEFAULT_LAYOUT)
            .or_else(|| layouts.layouts.first())
            .cloned()
            .unwrap_or_else(fallback_layout);
        let mut app = App {
            replica: Replica::new(runbook.clone(), events),
            title: runbook.meta.name.clone(),
            runbook,
            operator,
            can_send,
            keymap: KeyMap::default(),
            layouts,
            layout,
            focus: PanelKind::Runbook,
            selected: 0,
            filter: String::new(),
            modals: Vec::new(),
            flash: None,
            connection: Connection {
                text: "local".into(),
                ok: true,
            },
            theme: Theme::from_env(),
            log_scroll: 0,
            follow: true,
            copy_selected: 0,
            recon_selected: 0,
            local_offset: *chrono::Local::now().offset(),
            mode_keys: Vec::new(),
            history: None,
        };
        app.follow_current();
        app
    }

    pub fn role(&self) -> Role {
        self.replica.drill.role_of(&self.operator)
    }

    /// Switches layout by name; an unknown name flashes and keeps the current one.
    pub fn set_layout(&mut self, name: &str, now: DateTime<Utc>) -> bool {
        if let Some(l) = self.layouts.get(name) {
            self.layout = l.clone();
            self.fix_focus();
            true
        } else {
            let names = self.layouts.names().join(", ");
            self.flash_msg(
                format!("no layout `{name}` (have: {names})"),
                Tone::Bad,
                now,
            );
            false
        }
    }

    pub fn flash_msg(&mut self, text: impl Into<String>, tone: Tone, now: DateTime<Utc>) {
        self.flash = Some(Flash {
            text: text.into(),
            tone,
            until: now + chrono::Duration::seconds(FLASH_SECS),
        });
    }

    /// Drops an expired flash; returns whether it did (the screen must be redrawn).
    pub fn expire_flash(&mut self, now: DateTime<Utc>) -> bool {
        if self.flash.as_ref().is_some_and(|f| f.until <= now) {
            self.flash = None;
            return true;
        }
        false
    }

    pub fn apply_update(&mut self, update: &Update) -> bool {
        let changed = self.replica.apply(update);
        self.updated(changed)
    }

    /// Applies an update from `feed` (which may drop it, or ask for a fresh start after a
    /// gap); returns whether the screen must be redrawn.
    pub fn apply_from(&mut self, feed: &mut Feed, update: Update) -> bool {
        let changed = feed.apply(&mut self.replica, update);
        self.updated(changed)
    }

    /// Replaces the replica wholesale (a replay moving its cursor); the selection follows.
    pub fn replace_replica(&mut self, replica: Replica) {
        self.replica = replica;
        self.updated(true);
    }

    /// After an update: the selection follows the current step and stays in range.
    fn updated(&mut self, changed: bool) -> bool {
        if changed {
            if self.follow {
                self.follow_current();
            }
            self.clamp_selection();
        }
        changed
    }

    /// Runbook rows shown: steps in phase order (matching the filter), then the rollback
    /// tasks while a rollback exists.
    pub fn rows(&self) -> Vec<Row> {
        let needle = self.filter.to_lowercase();
        let matches = |i: usize| {
            let s = &self.runbook.steps[i];
            needle.is_empty()
                || s.id.to_lowercase().contains(&needle)
                || s.title.to_lowercase().contains(&needle)
                || s.dri.to_lowercase().contains(&needle)
        };
        let mut rows: Vec<Row> = self
            .runbook
            .phases
            .iter()
            .flat_map(|p| p.steps.iter().copied())
            .filter(|&i| i < self.runbook.steps.len() && matches(i))
            .map(Row::Step)
            .collect();
        if let Some(rb) = &self.replica.drill.state().rollback {
            rows.extend((0..rb.tasks.len()).map(Row::Rollback));
        }
        rows
    }

    pub fn selected_row(&self) -> Option<Row> {
        self.rows().get(self.selected).copied()
    }

    /// The selected row as a command target, with its runbook step index.
    pub fn selected_target(&self) -> Option<(Target, usize)> {
        match self.selected_row()? {
            Row::Step(i) => Some((Target::Step(self.runbook.steps[i].id.clone()), i)),
            Row::Rollback(t) => {
                let rb = self.replica.drill.state().rollback.as_ref()?;
                let id = rb.tasks.get(t)?.step.clone();
                let i = self.runbook.step_index(&id)?;
                Some((Target::Rollback(id), i))
            }
        }
    }

    /// Selects the row that needs attention: the current rollback task, else the first
    /// active step, else the first ready one.
    pub fn follow_current(&mut self) {
        let st = self.replica.drill.state();
        let rows = self.rows();
        let want = st
            .rollback
            .as_ref()
            .filter(|_| st.rollback_active())
            .and_then(crate::drill::state::RollbackState::current)
            .map(Row::Rollback)
            .or_else(|| {
                rows.iter()
                    .copied()
                    .find(|r| matches!(r, Row::Step(i) if st.status(*i).is_active()))
            })
            .or_else(|| {
                rows.iter()
                    .copied()
                    .find(|r| matches!(r, Row::Step(i) if st.status(*i) == StepStatus::Ready))
            });
        if let Some(pos) = want.and_then(|w| rows.iter().position(|r| *r == w)) {
            self.selected = pos;
        }
    }

    fn clamp_selection(&mut self) {
        let n = self.rows().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    fn focusables(&self) -> Vec<PanelKind> {
        let mut out: Vec<PanelKind> = Vec::new();
        for p in self.layout.panels() {
            if p.focusable() && !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    fn fix_focus(&mut self) {
        let f = self.focusables();
        if !f.contains(&self.focus) {
            self.focus = f.first().copied().unwrap_or(PanelKind::Runbook);
        }
    }

    /// The command `action` would send on the selected step (reasons left as a placeholder
    /// for the permission check), or `None` if it has no meaning there.
    fn probe(&self, action: Action) -> Option<CommandKind> {
        match action {
            Action::Handover => {
                return self.handover_duty().map(|duty| CommandKind::OfferHandover {
                    duty,
                    to: String::new(),
                })
            }
            Action::AcceptHandover => {
                return self
                    .offer_to_me()
                    .map(|duty| CommandKind::AcceptHandover { duty })
            }
            Action::DeclineHandover => {
                return self.offer_to_me().map(|duty| CommandKind::DeclineHandover {
                    duty,
                    reason: String::new(),
                })
            }
            _ => {}
        }
        if matches!(
            action,
            Action::PauseCopy | Action::CopyRate | Action::ApplyFix | Action::AcceptEvidence
        ) {
            return self.job_probe(action);
        }
        let (target, idx) = self.selected_target()?;
        let step = &self.runbook.steps[idx];
        let forward = matches!(target, Target::Step(_));
        let reason = String::from("…");
        Some(match action {
            Action::Start => CommandKind::Start { target },
            Action::Done => CommandKind::Done { target },
            Action::SignOff => CommandKind::SignOff { target },
            Action::Fail => CommandKind::Fail { target, reason },
            Action::Skip if forward => CommandKind::Skip {
                step: step.id.clone(),
                reason,
            },
            Action::Go if forward && step.gate => CommandKind::Go {
                step: step.id.clone(),
            },
            Action::NoGo if forward && step.gate => CommandKind::NoGo {
                step: step.id.clone(),
                reason,
            },
            Action::OverrideGate if forward && step.gate => CommandKind::OverrideGate {
                step: step.id.clone(),
                reason,
            },
            Action::Note => CommandKind::Note {
                step: Some(step.id.clone()),
                text: reason,
            },
            Action::Rollback if forward => CommandKind::CallRollback {
                from: step.id.clone(),
                reason,
            },
            Action::Contingency if forward => CommandKind::CallContingency {
                from: step.id.clone(),
                reason,
            },
            _ => return None,
        })
    }

    /// What `H` hands over: the coordinator role for the coordinator, else the operator's
    /// own steps (or, once handed theirs on, the first steps handed to them).
    fn handover_duty(&self) -> Option<Duty> {
        let Actor::Person(me) = &self.operator else {
            return None;
        };
        let h = &self.replica.drill.state().handover;
        match self.role() {
            Role::Coordinator => return Some(Duty::Coordinator),
            Role::Observer | Role::System => return None,
            Role::Participant => {}
        }
        if self.runbook.person(me).is_some() && h.holder(me) == me {
            return Some(Duty::Steps(me.clone()));
        }
        h.held_by(me).next().map(|p| Duty::Steps(p.to_string()))
    }

    /// The first handover on offer to the operator.
    fn offer_to_me(&self) -> Option<Duty> {
        let Actor::Person(me) = &self.operator else {
            return None;
        };
        let h = &self.replica.drill.state().handover;
        h.offers
            .iter()
            .find(|o| &o.to == me)
            .map(|o| o.duty.clone())
    }

    /// Whether `action` is offered now: in scope for the focused panel and, for actions
    /// that change the drill, only with a sink and when the engine says this operator may.
    /// A rollback is offered to the coordinator even when the engine would refuse it, so the
    /// modal can show why (point of no return).
    pub fn offered(&self, action: Action, now: DateTime<Utc>) -> bool {
        if !action.in_scope(self.focus) {
            return false;
        }
        if action == Action::Preflight {
            // Offered once a scan has reported: there is something to list.
            return self
                .replica
                .drill
                .state()
                .evidence
                .contains_key(&crate::runbook::Evidence::Preflight);
        }
        if !action.changes_drill() {
            return true;
        }
        if !self.can_send || self.replica.out_of_sync {
            return false;
        }
        let Some(kind) = self.probe(action) else {
            return false;
        };
        match kind {
            CommandKind::CallRollback { .. } => {
                // From a failed or current step only; the engine may still refuse (shown).
                let idx = self.selected_target().map(|(_, i)| i);
                let st = self.replica.drill.state();
                let from_here = idx.is_some_and(|i| {
                    let status = st.status(i);
                    status.is_active() || matches!(status, StepStatus::Failed { .. })
                });
                self.role() == Role::Coordinator && st.rollback.is_none() && from_here
            }
            // The receiver is typed next; the engine checks it then.
            CommandKind::OfferHandover { duty, .. } => {
                let st = self.replica.drill.state();
                st.ended_at.is_none() && st.handover.offer(&duty).is_none()
            }
            kind => self.replica.drill.can(&self.operator, &kind, now),
        }
    }

    /// Actions offered now, in key-map order (for the hint bar).
    pub fn offered_actions(&self, now: DateTime<Utc>) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.offered(*a, now))
            .collect()
    }

    /// In which capacity the operator acts on step `idx`: "reviewer", "DRI", "coordinator,
    /// overriding the reviewer"... as the drill's rules see it.
    pub fn capacity(&self, action: Action, idx: usize) -> String {
        let step = &self.runbook.steps[idx];
        let kind = self.probe(action).unwrap_or(CommandKind::Note {
            step: Some(step.id.clone()),
            text: String::new(),
        });
        self.replica
            .drill
            .capacity(&self.operator, &step.id, &kind)
            .map_or_else(|| "participant".to_string(), |c| c.to_string())
    }

    /// Handles one key press.
    pub fn handle_key(&mut self, key: KeyEvent, now: DateTime<Utc>) -> Vec<AppEffect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if let Some(modal) = self.modals.pop() {
            return self.modal_key(modal, key, now);
        }
        let Some(action) = self.keymap.action(&key) else {
            return Vec::new();
        };
        if !self.offered(action, now) {
            if action.changes_drill() && action.in_scope(self.focus) && self.can_send {
                self.flash_msg(
                    format!("`{}` is not allowed here now", action.label()),
                    Tone::Warn,
                    now,
                );
            }
            return Vec::new();
        }
        self.act(action, now)
    }

    fn act(&mut self, action: Action, now: DateTime<Utc>) -> Vec<AppEffect> {
        let n = self.rows().len();
        match action {
            Action::Up if self.focus == PanelKind::Log => self.log_scroll += 1,
            Action::Down if self.focus == PanelKind::Log => {
                self.log_scroll = self.log_scroll.saturating_sub(1);
            }
            Action::Top if self.focus == PanelKind::Log => self.log_scroll = usize::MAX / 2,
            Action::Bottom if self.focus == PanelKind::Log => self.log_scroll = 0,
            Action::Up | Action::Down
                if matches!(self.focus, PanelKind::Copy | PanelKind::Recon) =>
            {
                self.move_job_selection(action == Action::Down);
            }
            Action::Top | Action::Bottom
                if matches!(self.focus, PanelKind::Copy | PanelKind::Recon) => {}
            Action::Up | Action::Down | Action::Top | Action::Bottom if self.follow => {
                self.follow = false;
                return self.act(action, now);
            }
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            Action::FocusNext | Action::FocusPrev => {
                let f = self.focusables();
                if let Some(i) = f.iter().position(|p| *p == self.focus) {
                    let j = if action == Action::FocusNext {
                        i + 1
                    } else {
                        i + f.len() - 1
                    };
                    self.focus = f[j % f.len()];
                } else if let Some(first) = f.first() {
                    self.focus = *first;
                }
            }
            Action::Open => {
                if self.layout.panels().contains(&PanelKind::Step) {
                    self.focus = PanelKind::Step;
                } else {
                    self.modals.push(Modal::StepDetail);
                }
            }
            Action::Filter => self.modals.push(Modal::Filter {
                before: self.filter.clone(),
            }),
            Action::CommandLine => self.modals.push(Modal::CommandLine {
                input: String::new(),
            }),
            Action::Help => self.modals.push(Modal::Help { scroll: 0 }),
            Action::Preflight => self.modals.push(Modal::Preflight {
                selected: 0,
                said: String::new(),
            }),
            Action::Close => {
                if !self.filter.is_empty() {
                    self.filter.clear();
                    self.clamp_selection();
                } else if self.focus == PanelKind::Step {
                    self.focus = PanelKind::Runbook;
                    self.fix_focus();
                }
            }
            Action::Quit => {
                if self.replica.drill.state().is_live() && self.can_send {
                    self.modals.push(Modal::Quit);
                } else {
                    return vec![AppEffect::Quit];
                }
            }
            Action::CycleLayout => {
                let current = self.layout.name.clone();
                if let Some(next) = self.layouts.next_after(&current).map(|l| l.name.clone()) {
                    self.set_layout(&next, now);
                    self.flash_msg(format!("layout: {next}"), Tone::Info, now);
                }
            }
            Action::PauseCopy | Action::CopyRate | Action::ApplyFix | Action::AcceptEvidence => {
                self.ask_job(action);
            }
            Action::Handover | Action::AcceptHandover | Action::DeclineHandover => {
                self.ask_handover(action);
            }
            _ => self.ask(action, now),
        }
        Vec::new()
    }

    /// `H`: type who receives; `a` and `D`: confirm taking over or declining.
    fn ask_handover(&mut self, action: Action) {
        let Some(kind) = self.probe(action) else {
            return;
        };
        let role = match self.role() {
            Role::Coordinator => "coordinator",
            _ => "participant",
        };
        let h = &self.replica.drill.state().handover;
        let question = match &kind {
            CommandKind::OfferHandover { duty, .. } => {
                self.modals.push(Modal::Reason {
                    for_: ReasonFor::Handover(duty.clone()),
                    capacity: role.to_string(),
                    input: String::new(),
                });
                return;
            }
            CommandKind::AcceptHandover { duty } => format!(
                "Take over {duty} from `{}` as {}? From now on you act in it and `{}` no longer does.",
                h.holder_of(duty),
                self.operator,
                h.holder_of(duty)
            ),
            CommandKind::DeclineHandover { duty, .. } => {
                format!("Decline {duty}, offered to you by `{}`?", h.holder_of(duty))
            }
            _ => return,
        };
        self.modals.push(Modal::Confirm {
            question,
            command: Command {
                by: self.operator.clone(),
                kind,
            },
        });
    }

    /// Opens the modal for a drill-changing action on the selected step.
    fn ask(&mut self, action: Action, now: DateTime<Utc>) {
        let Some((target, idx)) = self.selected_target() else {
            return;
        };
        let id = self.runbook.steps[idx].id.clone();
        if action.needs_reason() {
            let for_ = match action {
                Action::Fail => ReasonFor::Fail(target.clone()),
                Action::Skip => ReasonFor::Skip(id.clone()),
                Action::NoGo => ReasonFor::NoGo(id.clone()),
                Action::OverrideGate => ReasonFor::Override(id.clone()),
                Action::Note => ReasonFor::Note(Some(id.clone())),
                Action::Rollback => ReasonFor::Rollback(id.clone()),
                Action::Contingency => ReasonFor::Contingency(id.clone()),
                _ => return,
            };
            self.modals.push(Modal::Reason {
                for_,
                capacity: self.capacity(action, idx),
                input: String::new(),
            });
            return;
        }
        let Some(kind) = self.probe(action) else {
            return;
        };
        self.confirm(action, kind, idx, now);
    }

    fn confirm(&mut self, action: Action, kind: CommandKind, idx: usize, _now: DateTime<Utc>) {
        let target = match &kind {
            CommandKind::Start { target }
            | CommandKind::Done { target }
            | CommandKind::SignOff { target }
            | CommandKind::Fail { target, .. } => target.to_string(),
            _ => self.runbook.steps[idx].id.clone(),
        };
        let verb = match action {
            Action::Start => "Start",
            Action::Done => "Mark done",
            Action::SignOff => "Sign off",
            Action::Fail => "Fail",
            Action::Skip => "Skip",
            Action::Go => "Say GO at",
            Action::NoGo => "Say NO-GO at",
            Action::Note => "Add a note to",
            _ => "Do",
        };
        let question = format!(
            "{verb} `{target}` as {} ({})?",
            self.operator,
            self.capacity(action, idx)
        );
        self.modals.push(Modal::Confirm {
            question,
            command: Command {
                by: self.operator.clone(),
                kind,
            },
        });
    }

    /// One key to the modal on top: the modal decides, the console applies the outcome.
    fn modal_key(&mut self, modal: Modal, key: KeyEvent, now: DateTime<Utc>) -> Vec<AppEffect> {
        let outcome = modal::key(&self.modal_context(now), modal, key.code);
        match outcome {
            KeyOutcome::Keep(modal) => self.modals.push(modal),
            KeyOutcome::Close => {}
            KeyOutcome::Send(kind) => {
                return vec![AppEffect::Send(Command {
                    by: self.operator.clone(),
                    kind,
                })]
            }
            KeyOutcome::Confirmed(command) => return vec![AppEffect::Send(command)],
            KeyOutcome::Quit => return vec![AppEffect::Quit],
            KeyOutcome::Filter { filter, typing } => {
                self.filter = filter;
                match typing {
                    Some(modal) => {
                        self.selected = 0;
                        self.modals.push(modal);
                    }
                    None => self.clamp_selection(),
                }
            }
            KeyOutcome::Run(line) => return self.run_command_line(&line, now),
            KeyOutcome::Invalid { why, modal } => {
                self.flash_msg(why, Tone::Bad, now);
                self.modals.push(modal);
            }
        }
        Vec::new()
    }

    /// What the modals read of the console.
    pub fn modal_context(&self, now: DateTime<Utc>) -> ModalContext<'_> {
        ModalContext {
            theme: &self.theme,
            runbook: &self.runbook,
            drill: &self.replica.drill,
            state: self.replica.drill.state(),
            operator: &self.operator,
            now,
            can_send: self.can_send,
            keymap: &self.keymap,
            layouts: &self.layouts,
            filter: &self.filter,
            host: self,
        }
    }

    /// `:layout NAME`, `:goto STEP`, `:note TEXT`, `:quit`.
    fn run_command_line(&mut self, input: &str, now: DateTime<Utc>) -> Vec<AppEffect> {
        let input = input.trim();
        let (cmd, arg) = input
            .split_once(' ')
            .map_or((input, ""), |(c, a)| (c, a.trim()));
        match cmd {
            "" => {}
            "layout" | "l" => {
                if self.set_layout(arg, now) {
                    self.flash_msg(format!("layout: {arg}"), Tone::Info, now);
                }
            }
            "goto" | "g" => {
                self.filter.clear();
                let pos = self
                    .rows()
                    .iter()
                    .position(|r| matches!(r, Row::Step(i) if self.runbook.steps[*i].id == arg));
                match pos {
                    Some(p) => {
                        self.selected = p;
                        self.follow = false;
                        self.focus = PanelKind::Runbook;
                        self.fix_focus();
                    }
                    None => self.flash_msg(format!("no step `{arg}`"), Tone::Bad, now),
                }
            }
            "note" | "n" => {
                if !self.can_send || self.role() == Role::Observer {
                    self.flash_msg("read-only: this console cannot add notes", Tone::Bad, now);
                } else if arg.is_empty() {
                    self.flash_msg("usage: :note TEXT", Tone::Warn, now);
                } else {
                    let by = self.operator.clone();
                    let question = format!("Add a note to the drill as {by}: \"{arg}\"?");
                    let kind = CommandKind::Note {
                        step: None,
                        text: arg.to_string(),
                    };
                    self.modals.push(Modal::Confirm {
                        question,
                        command: Command { by, kind },
                    });
                }
            }
            "handover" | "accept" | "decline" | "withdraw" => self.handover_line(input, now),
            "quit" | "q" => return self.act(Action::Quit, now),
            other => self.flash_msg(
                format!(
                    "unknown command `{other}` (layout NAME, goto STEP, note TEXT, \
                     handover coordinator|steps PERSON TO, accept|decline|withdraw handover, quit)"
                ),
                Tone::Bad,
                now,
            ),
        }
        Vec::new()
    }
}

impl App {
    /// `:handover coordinator TO`, `:accept handover`... (the line-mode grammar), confirmed.
    fn handover_line(&mut self, input: &str, now: DateTime<Utc>) {
        if !self.can_send || self.role() == Role::Observer {
            self.flash_msg(
                "read-only: this console cannot hand anything over",
                Tone::Bad,
                now,
            );
            return;
        }
        let kind = match crate::line::parse(input) {
            Ok(LineRequest::Command(kind)) => Ok(kind),
            Ok(LineRequest::Answer {
                accept,
                duty,
                reason,
            }) => crate::line::answer(&self.replica.drill, &self.operator, accept, duty, reason),
            Ok(_) => Err("not a handover command".to_string()),
            Err(why) => Err(why),
        };
        match kind {
            Ok(kind) => {
                let what = match &kind {
                    CommandKind::OfferHandover { duty, to } => {
                        format!("Hand over {duty} to `{to}`")
                    }
                    CommandKind::AcceptHandover { duty } => format!("Take over {duty}"),
                    CommandKind::DeclineHandover { duty, .. } => format!("Decline {duty}"),
                    CommandKind::WithdrawHandover { duty } => {
                        format!("Withdraw the offer of {duty}")
                    }
                    _ => "Do this".to_string(),
                };
                self.modals.push(Modal::Confirm {
                    question: format!("{what} as {}?", self.operator),
                    command: Command {
                        by: self.operator.clone(),
                        kind,
                    },
                });
            }
            Err(why) => self.flash_msg(why, Tone::Bad, now),
        }
    }
}

fn fallback_layout() -> Layout {
    use super::layout::{Node, NodeKind, Size};
    Layout {
        name: "fallback".into(),
        description: String::new(),
        root: Node {
            size: Size::Fill,
            min: 0,
            kind: NodeKind::Panel(PanelKind::Runbook),
        },
    }
}

//! The coordinator's controls over running jobs: pause, resume and rate-limit a copy,
//! approve a recon's fix SQL, accept evidence that does not hold. Each one is a journaled
//! command behind a confirmation, like every other change to the drill.

use super::app::App;
use super::keymap::Action;
use super::modal::{Modal, ReasonFor};
use super::panel_kind::PanelKind;
use super::panels::job_list::{self, JobRow};
use crate::drill::{Command, CommandKind, CopyCommand, Target};
use crate::runbook::{Action as StepAction, CopyEngine, Evidence};

impl App {
    /// The copy job the job keys act on: the copy panel's selection, or the selected
    /// step's copy action. External copies are only followed, never controlled.
    pub fn selected_copy(&self) -> Option<String> {
        let name = match self.focus {
            PanelKind::Copy => self.copy_rows().get(self.copy_selected)?.job().to_string(),
            _ => match self.selected_step_action()? {
                StepAction::Copy(job) => job.clone(),
                _ => return None,
            },
        };
        let engine = match self.runbook.copy_set(&name) {
            Some(set) => set.template.engine,
            None => self.runbook.copy_job(&name)?.engine,
        };
        (engine == CopyEngine::Native).then_some(name)
    }

    /// The recon job the job keys act on: the recon panel's selection, or the selected
    /// step's recon action.
    pub fn selected_recon(&self) -> Option<String> {
        match self.focus {
            PanelKind::Recon => {
                let (job, _) = *self.recon_rows().get(self.recon_selected)?;
                Some(self.recon_job_rows().get(job)?.job().to_string())
            }
            _ => match self.selected_step_action()? {
                StepAction::Recon(job) => Some(job.clone()),
                _ => None,
            },
        }
    }

    /// The recon panel's rows: each job, then each of its mismatches (job index, finding).
    pub fn recon_rows(&self) -> Vec<(usize, Option<usize>)> {
        let mut rows = Vec::new();
        for (j, row) in self.recon_job_rows().iter().enumerate() {
            rows.push((j, None));
            let n = self
                .replica
                .recons
                .get(row.job())
                .map_or(0, |p| p.findings.len());
            rows.extend((0..n).map(|i| (j, Some(i))));
        }
        rows
    }

    /// The copy panel's rows (see [`crate::tui::panels::job_list`]).
    pub fn copy_rows(&self) -> Vec<JobRow> {
        job_list::rows(
            &self.runbook,
            self.replica.drill.state(),
            job_list::Kind::Copy,
        )
    }

    /// The recon panel's jobs, each a row before its mismatches.
    pub fn recon_job_rows(&self) -> Vec<JobRow> {
        job_list::rows(
            &self.runbook,
            self.replica.drill.state(),
            job_list::Kind::Recon,
        )
    }

    fn selected_step_action(&self) -> Option<&StepAction> {
        if !matches!(self.focus, PanelKind::Runbook | PanelKind::Step) {
            return None;
        }
        let (_, idx) = self.selected_target()?;
        self.runbook.steps.get(idx)?.action.as_ref()
    }

    /// The first evidence the selected step requires that does not hold.
    fn missing_evidence(&self) -> Option<Evidence> {
        let (target, idx) = self.selected_target()?;
        let drill = &self.replica.drill;
        match target {
            Target::Step(_) => drill.state().steps.get(idx)?.missing_evidence().cloned(),
            Target::Rollback(id) => drill
                .state()
                .rollback
                .as_ref()?
                .task(&id)?
                .missing_evidence(drill.runbook(), &drill.state().evidence)
                .cloned(),
        }
    }

    /// The command a job action would send now (placeholders where the operator still has
    /// to type something), or `None` when it has no meaning here.
    pub(super) fn job_probe(&self, action: Action) -> Option<CommandKind> {
        let st = self.replica.drill.state();
        match action {
            Action::PauseCopy => {
                let job = self.selected_copy()?;
                let paused = st.copy_controls.get(&job).is_some_and(|c| c.paused);
                let control = if paused {
                    CopyCommand::Resume
                } else {
                    CopyCommand::Pause
                };
                Some(CommandKind::CopyControl { job, control })
            }
            Action::CopyRate => Some(CommandKind::CopyControl {
                job: self.selected_copy()?,
                control: CopyCommand::SetRate {
                    rows_per_sec: Some(1),
                },
            }),
            Action::ApplyFix => {
                let recon = self.selected_recon()?;
                // Only once the recon has reported mismatches.
                let evidence = Evidence::ReconClean(recon.clone());
                st.evidence
                    .get(&evidence)
                    .filter(|e| !e.holds)
                    .map(|_| CommandKind::ApproveFix { recon })
            }
            Action::AcceptEvidence => {
                if !matches!(self.focus, PanelKind::Runbook | PanelKind::Step) {
                    return None;
                }
                Some(CommandKind::AcceptEvidence {
                    evidence: self.missing_evidence()?,
                    note: "…".into(),
                })
            }
            _ => None,
        }
    }

    /// Opens the confirmation (or the input) for a job action.
    pub(super) fn ask_job(&mut self, action: Action) {
        let Some(kind) = self.job_probe(action) else {
            return;
        };
        let by = self.operator.clone();
        let question = match &kind {
            CommandKind::CopyControl {
                job,
                control: CopyCommand::SetRate { .. },
            } => {
                self.modals.push(Modal::Reason {
                    for_: ReasonFor::CopyRate(job.clone()),
                    capacity: "coordinator".into(),
                    input: String::new(),
                });
                return;
            }
            CommandKind::AcceptEvidence { evidence, .. } => {
                self.modals.push(Modal::Reason {
                    for_: ReasonFor::Accept(evidence.clone()),
                    capacity: "coordinator".into(),
                    input: String::new(),
                });
                return;
            }
            CommandKind::CopyControl { job, control } => {
                let verb = match control {
                    CopyCommand::Pause => "Pause",
                    _ => "Resume",
                };
                format!("{verb} copy `{job}` as {by} (coordinator)?")
            }
            CommandKind::ApproveFix { recon } => {
                let target = self
                    .runbook
                    .recon_job(recon)
                    .map(|r| format!("{}.{}", r.target, r.target_table))
                    .unwrap_or_default();
                format!(
                    "Apply the fix SQL of recon `{recon}` to {target} as {by} (coordinator)? \
                     It changes rows on the target; a re-check follows."
                )
            }
            _ => return,
        };
        self.modals.push(Modal::Confirm {
            question,
            command: Command { by, kind },
        });
    }

    /// Moves the copy or recon panel's selection.
    pub(super) fn move_job_selection(&mut self, down: bool) -> bool {
        let (selected, len) = match self.focus {
            PanelKind::Copy => {
                let len = self.copy_rows().len();
                (&mut self.copy_selected, len)
            }
            PanelKind::Recon => {
                let len = self.recon_rows().len();
                (&mut self.recon_selected, len)
            }
            _ => return false,
        };
        *selected = if down {
            (*selected + 1).min(len.saturating_sub(1))
        } else {
            selected.saturating_sub(1)
        };
        true
    }
}

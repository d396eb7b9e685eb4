//! Step actions other than copy and recon: a SQL check and a shell command. Each reports
//! its outcome as the step's `action:STEP` evidence, so the step cannot be signed off until
//! it succeeded (or the coordinator accepted it with a note).

pub mod check;
pub mod shell;

//! Line mode: one command per line, for scripts, pipelines and terminals without a TUI.
//!
//! ```text
//! start STEP            done STEP            signoff STEP
//! fail STEP REASON...   skip STEP REASON...  go STEP       nogo STEP REASON...
//! override STEP REASON...                    (coordinator: pass a gate without its GO)
//! note STEP TEXT...     note - TEXT...       (a note on the drill)
//! rollback STEP REASON...                    (call a rollback from STEP)
//! contingency STEP REASON...                 (past a point of no return: call its contingency)
//! evidence copy:NAME|recon:NAME|probe:NAME|action:STEP ok|fail DETAIL...
//! handover coordinator TO                   (offer the coordinator role to TO)
//! handover steps PERSON TO                 (offer PERSON's steps to TO)
//! accept handover [coordinator|steps PERSON]
//! decline handover [coordinator|steps PERSON] [REASON...]
//! withdraw handover coordinator|steps PERSON
//! end                   (end the drill)
//! as HANDLE             (act as another person from here on: scripting)
//! status                events               help                quit
//! ```
//! A step written `rollback:STEP` means the rollback task of STEP (start/done/signoff/fail).

use crate::drill::{Actor, CommandKind, Drill, Duty, Target};
use crate::runbook::Evidence;

/// What one input line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum LineRequest {
    Command(CommandKind),
    /// Accept or decline the handover offered to the operator: with no duty named, the one
    /// on offer to them (resolved against the drill by the caller).
    Answer {
        accept: bool,
        duty: Option<Duty>,
        reason: String,
    },
    ActAs(String),
    Status,
    Events,
    Help,
    Quit,
    Nothing,
}

pub const HELP: &str = "\
commands:
  start STEP | done STEP | signoff STEP | fail STEP REASON | skip STEP REASON
  go STEP | nogo STEP REASON | override GATE REASON | note STEP|- TEXT
  rollback STEP REASON | contingency STEP REASON
  handover coordinator TO | handover steps PERSON TO | withdraw handover coordinator|steps PERSON
  accept handover [coordinator|steps PERSON] | decline handover [coordinator|steps PERSON] [REASON]
  evidence copy:NAME|recon:NAME|probe:NAME|action:STEP ok|fail DETAIL | end
  as HANDLE | status | events | help | quit
  (write rollback:STEP to act on the rollback task of STEP)";

/// Parses one line. Errors are a sentence saying what was expected.
pub fn parse(line: &str) -> Result<LineRequest, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(LineRequest::Nothing);
    }
    let (word, rest) = split_word(line);
    let (arg, tail) = split_word(rest);
    let need_arg = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!("`{word}` needs {what}: try `help`"))
        } else {
            Ok(arg.to_string())
        }
    };
    let need_text = |what: &str| -> Result<String, String> {
        if tail.is_empty() {
            Err(format!("`{word}` needs {what} after the step: try `help`"))
        } else {
            Ok(tail.to_string())
        }
    };
    let command = match word {
        "start" => CommandKind::Start {
            target: target(&need_arg("a step id")?),
        },
        "done" => CommandKind::Done {
            target: target(&need_arg("a step id")?),
        },
        "signoff" | "sign-off" => CommandKind::SignOff {
            target: target(&need_arg("a step id")?),
        },
        "fail" => CommandKind::Fail {
            target: target(&need_arg("a step id")?),
            reason: need_text("a reason")?,
        },
        "skip" => CommandKind::Skip {
            step: need_arg("a step id")?,
            reason: need_text("a reason")?,
        },
        "go" => CommandKind::Go {
            step: need_arg("a step id")?,
        },
        "nogo" | "no-go" => CommandKind::NoGo {
            step: need_arg("a step id")?,
            reason: need_text("a reason")?,
        },
        "override" => CommandKind::OverrideGate {
            step: need_arg("a gate's step id")?,
            reason: need_text("a reason")?,
        },
        "note" => {
            let step = need_arg("a step id or `-`")?;
            CommandKind::Note {
                step: (step != "-").then_some(step),
                text: need_text("the note's text")?,
            }
        }
        "rollback" => CommandKind::CallRollback {
            from: need_arg("the step to roll back from")?,
            reason: need_text("a reason")?,
        },
        "contingency" => CommandKind::CallContingency {
            from: need_arg("the failed or current step")?,
            reason: need_text("a reason")?,
        },
        "evidence" => {
            let evidence = evidence(&need_arg("copy:NAME, recon:NAME or probe:NAME")?)?;
            let (verdict, detail) = split_word(tail);
            let holds = match verdict {
                "ok" | "holds" | "true" => true,
                "fail" | "false" => false,
                _ => return Err("`evidence` needs `ok` or `fail` after the name".to_string()),
            };
            CommandKind::RecordEvidence {
                evidence,
                holds,
                detail: detail.to_string(),
            }
        }
        "handover" => {
            let (duty, rest) = duty(rest)?;
            let duty = duty.ok_or("`handover` needs `coordinator TO` or `steps PERSON TO`")?;
            let (to, extra) = split_word(rest);
            if to.is_empty() || !extra.is_empty() {
                return Err(format!(
                    "`handover` needs one receiver after {duty}: try `help`"
                ));
            }
            CommandKind::OfferHandover {
                duty,
                to: to.to_string(),
            }
        }
        "accept" | "decline" | "withdraw" => {
            if arg != "handover" {
                return Err(format!("`{word}` is followed by `handover`: try `help`"));
            }
            let (duty, reason) = duty(tail)?;
            if word == "withdraw" {
                let duty =
                    duty.ok_or("`withdraw handover` needs `coordinator` or `steps PERSON`")?;
                CommandKind::WithdrawHandover { duty }
            } else {
                if word == "accept" && !reason.is_empty() {
                    return Err(
                        "`accept handover` takes `coordinator` or `steps PERSON`, nothing else"
                            .into(),
                    );
                }
                return Ok(LineRequest::Answer {
                    accept: word == "accept",
                    duty,
                    reason: reason.to_string(),
                });
            }
        }
        "end" => CommandKind::EndDrill,
        "as" => return Ok(LineRequest::ActAs(need_arg("a handle")?)),
        "status" => return Ok(LineRequest::Status),
        "events" => return Ok(LineRequest::Events),
        "help" | "?" => return Ok(LineRequest::Help),
        "quit" | "exit" => return Ok(LineRequest::Quit),
        other => return Err(format!("unknown command `{other}`: try `help`")),
    };
    Ok(LineRequest::Command(command))
}

/// Accept or decline the offer named, or the only one on offer to `operator`.
pub fn answer(
    drill: &Drill,
    operator: &Actor,
    accept: bool,
    duty: Option<Duty>,
    reason: String,
) -> Result<CommandKind, String> {
    let duty = if let Some(duty) = duty {
        duty
    } else {
        let mine: Vec<&Duty> = drill
            .state()
            .handover
            .offers
            .iter()
            .filter(|o| operator == &Actor::Person(o.to.clone()))
            .map(|o| &o.duty)
            .collect();
        match mine.as_slice() {
                [one] => (*one).clone(),
                [] => return Err(format!("no handover is offered to {operator}")),
                _ => {
                    return Err(format!(
                        "{} handovers are offered to {operator}: name one (`coordinator` or `steps PERSON`)",
                        mine.len()
                    ))
                }
            }
    };
    Ok(if accept {
        CommandKind::AcceptHandover { duty }
    } else {
        CommandKind::DeclineHandover { duty, reason }
    })
}

fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    }
}

/// `coordinator ...` or `steps PERSON ...` at the start of `s`, and what follows.
fn duty(s: &str) -> Result<(Option<Duty>, &str), String> {
    let (word, rest) = split_word(s);
    match word {
        "coordinator" => Ok((Some(Duty::Coordinator), rest)),
        "steps" => {
            let (person, rest) = split_word(rest);
            if person.is_empty() {
                return Err("`steps` needs the person whose steps move".to_string());
            }
            Ok((Some(Duty::Steps(person.to_string())), rest))
        }
        _ => Ok((None, s.trim())),
    }
}

fn target(arg: &str) -> Target {
    match arg.strip_prefix("rollback:") {
        Some(step) => Target::Rollback(step.to_string()),
        None => Target::Step(arg.to_string()),
    }
}

fn evidence(arg: &str) -> Result<Evidence, String> {
    match arg.split_once(':') {
        Some(("copy", name)) if !name.is_empty() => Ok(Evidence::CopyDone(name.to_string())),
        Some(("recon", name)) if !name.is_empty() => Ok(Evidence::ReconClean(name.to_string())),
        Some(("probe", name)) if !name.is_empty() => Ok(Evidence::ProbeGreen(name.to_string())),
        Some(("action", step)) if !step.is_empty() => Ok(Evidence::Action(step.to_string())),
        Some(("rollback", step)) if !step.is_empty() => Ok(Evidence::Rollback(step.to_string())),
        None if arg == "preflight" => Ok(Evidence::Preflight),
        _ => Err(format!(
            "`{arg}` is not evidence: write copy:NAME, recon:NAME, probe:NAME, action:STEP, \
             rollback:STEP or preflight"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_life_cycle_commands() {
        assert_eq!(
            parse("start schema").unwrap(),
            LineRequest::Command(CommandKind::Start {
                target: Target::Step("schema".into())
            })
        );
        assert_eq!(
            parse("signoff rollback:schema").unwrap(),
            LineRequest::Command(CommandKind::SignOff {
                target: Target::Rollback("schema".into())
            })
        );
        assert_eq!(
            parse("fail copy-history  source lag over 30s ").unwrap(),
            LineRequest::Command(CommandKind::Fail {
                target: Target::Step("copy-history".into()),
                reason: "source lag over 30s".into()
            })
        );
        assert_eq!(
            parse("note - all hands on bridge").unwrap(),
            LineRequest::Command(CommandKind::Note {
                step: None,
                text: "all hands on bridge".into()
            })
        );
        assert_eq!(
            parse("evidence recon:final ok 0 mismatches").unwrap(),
            LineRequest::Command(CommandKind::RecordEvidence {
                evidence: Evidence::ReconClean("final".into()),
                holds: true,
                detail: "0 mismatches".into()
            })
        );
    }

    #[test]
    fn says_what_is_missing() {
        assert_eq!(
            parse("start").unwrap_err(),
            "`start` needs a step id: try `help`"
        );
        assert_eq!(
            parse("fail a").unwrap_err(),
            "`fail` needs a reason after the step: try `help`"
        );
        assert!(parse("evidence bogus ok")
            .unwrap_err()
            .contains("copy:NAME"));
        assert_eq!(
            parse("dance").unwrap_err(),
            "unknown command `dance`: try `help`"
        );
        assert_eq!(parse("  # comment").unwrap(), LineRequest::Nothing);
        assert!(parse("handover bob")
            .unwrap_err()
            .contains("`coordinator TO`"));
        assert!(parse("handover coordinator")
            .unwrap_err()
            .contains("one receiver"));
        assert!(parse("accept it")
            .unwrap_err()
            .contains("followed by `handover`"));
        assert!(parse("withdraw handover")
            .unwrap_err()
            .contains("`steps PERSON`"));
    }

    #[test]
    fn parses_handover_commands() {
        assert_eq!(
            parse("handover coordinator carol").unwrap(),
            LineRequest::Command(CommandKind::OfferHandover {
                duty: Duty::Coordinator,
                to: "carol".into()
            })
        );
        assert_eq!(
            parse("handover steps bob dave").unwrap(),
            LineRequest::Command(CommandKind::OfferHandover {
                duty: Duty::Steps("bob".into()),
                to: "dave".into()
            })
        );
        assert_eq!(
            parse("accept handover").unwrap(),
            LineRequest::Answer {
                accept: true,
                duty: None,
                reason: String::new()
            }
        );
        assert_eq!(
            parse("decline handover steps bob off shift at 06:00").unwrap(),
            LineRequest::Answer {
                accept: false,
                duty: Some(Duty::Steps("bob".into())),
                reason: "off shift at 06:00".into()
            }
        );
        assert_eq!(
            parse("decline handover not tonight").unwrap(),
            LineRequest::Answer {
                accept: false,
                duty: None,
                reason: "not tonight".into()
            }
        );
        assert_eq!(
            parse("withdraw handover coordinator").unwrap(),
            LineRequest::Command(CommandKind::WithdrawHandover {
                duty: Duty::Coordinator
            })
        );
    }
}

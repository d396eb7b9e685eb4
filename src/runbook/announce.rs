//! `[announce]`: where a drill's announcements go (webhook targets), which kinds of messages
//! each gets, the T-minus reminders, and how hard delivery tries. The webhook URL is never
//! here: only the name of the environment variable that holds it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The validated `[announce]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnounceSpec {
    pub targets: Vec<AnnounceTarget>,
    /// T-minus reminders before the change window opens and before each point of no return
    /// (largest first).
    #[serde(with = "human_list")]
    pub reminders: Vec<Duration>,
    /// How long one delivery attempt may take.
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub timeout: Duration,
    /// The wait before the first retry; doubled after each failure, up to `max_backoff`.
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub backoff: Duration,
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub max_backoff: Duration,
    /// A message still undelivered this long after it was queued is given up (once its
    /// target has failed again in this console).
    #[serde(with = "crate::runbook::duration::serde_human")]
    pub give_up_after: Duration,
}

impl AnnounceSpec {
    pub const DEFAULT_REMINDERS: [Duration; 2] =
        [Duration::from_secs(30 * 60), Duration::from_secs(5 * 60)];
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(1);
    pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(60);
    pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(15 * 60);

    pub fn target(&self, name: &str) -> Option<&AnnounceTarget> {
        self.targets.iter().find(|t| t.name == name)
    }
}

/// `[[announce.target]]`: one webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnounceTarget {
    pub name: String,
    /// The environment variable holding the webhook URL (`url = "${NAME}"`).
    pub url_env: String,
    pub format: AnnounceFormat,
    /// The kinds of messages this target gets.
    pub kinds: Vec<MessageKind>,
}

impl AnnounceTarget {
    pub fn wants(&self, kinds: &[MessageKind]) -> bool {
        kinds.iter().any(|k| self.kinds.contains(k))
    }
}

/// The body a target is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnounceFormat {
    /// Slack-compatible incoming-webhook JSON (`text` and `blocks`); Mattermost, Rocket.Chat
    /// and Teams' Slack-compatible endpoints accept it too.
    Slack,
    /// A plain JSON object with every field by name, for anything else.
    Json,
}

impl AnnounceFormat {
    pub const NAMES: &'static [&'static str] = &["slack", "json"];

    pub fn from_name(name: &str) -> Option<AnnounceFormat> {
        match name {
            "slack" => Some(AnnounceFormat::Slack),
            "json" => Some(AnnounceFormat::Json),
            _ => None,
        }
    }
}

/// What a message is about; a target lists the kinds it gets (a message may carry more
/// than one, e.g. a gate passed by override is both `gate_result` and `override`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// The drill started or ended (with its result).
    Drill,
    StepStarted,
    StepDone,
    StepSignedOff,
    /// A running step passed its planned duration (once per step).
    StepLate,
    StepFailed,
    StepSkipped,
    /// Anything the coordinator forced: a sign-off instead of the reviewer, a gate passed
    /// by override, evidence accepted that did not hold.
    Override,
    GateVote,
    GateResult,
    /// A rollback called, each rollback step, the rollback completed.
    Rollback,
    /// A probe in scope stopped being green (warn, critical, no data, error) or recovered.
    Probe,
    /// A copy finished (with its figures), failed, or was paused, resumed or re-limited.
    Copy,
    /// A recon finished (with its figures) or its fix was approved.
    Recon,
    /// T-minus reminders before the change window and points of no return.
    Reminder,
    /// Notes people add (not in the default set: notes can be chatty).
    Note,
    /// `warroom announce test`.
    Test,
}

impl MessageKind {
    /// Every kind a runbook can name, with its name.
    pub const ALL: &'static [(MessageKind, &'static str)] = &[
        (MessageKind::Drill, "drill"),
        (MessageKind::StepStarted, "step_started"),
        (MessageKind::StepDone, "step_done"),
        (MessageKind::StepSignedOff, "step_signed_off"),
        (MessageKind::StepLate, "step_late"),
        (MessageKind::StepFailed, "step_failed"),
        (MessageKind::StepSkipped, "step_skipped"),
        (MessageKind::Override, "override"),
        (MessageKind::GateVote, "gate_vote"),
        (MessageKind::GateResult, "gate_result"),
        (MessageKind::Rollback, "rollback"),
        (MessageKind::Probe, "probe"),
        (MessageKind::Copy, "copy"),
        (MessageKind::Recon, "recon"),
        (MessageKind::Reminder, "reminder"),
        (MessageKind::Note, "note"),
    ];

    /// Groups a runbook may name instead of single kinds.
    pub const GROUPS: &'static [(&'static str, &'static [MessageKind])] = &[
        (
            "steps",
            &[
                MessageKind::StepStarted,
                MessageKind::StepDone,
                MessageKind::StepSignedOff,
                MessageKind::StepLate,
                MessageKind::StepFailed,
                MessageKind::StepSkipped,
            ],
        ),
        ("gates", &[MessageKind::GateVote, MessageKind::GateResult]),
        ("jobs", &[MessageKind::Copy, MessageKind::Recon]),
        ("health", &[MessageKind::Probe]),
    ];

    pub fn name(self) -> &'static str {
        MessageKind::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("test", |(_, n)| n)
    }

    /// The kinds a name stands for: one kind, a group, or `all` (every kind but notes).
    pub fn from_name(name: &str) -> Option<Vec<MessageKind>> {
        if name == "all" {
            return Some(MessageKind::default_set());
        }
        if let Some((_, kinds)) = MessageKind::GROUPS.iter().find(|(n, _)| *n == name) {
            return Some(kinds.to_vec());
        }
        MessageKind::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(k, _)| vec![*k])
    }

    /// What a target gets when it lists no kinds: everything but notes.
    pub fn default_set() -> Vec<MessageKind> {
        MessageKind::ALL
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| *k != MessageKind::Note)
            .collect()
    }

    /// Every name a runbook may write in `kinds`, for help texts.
    pub fn names() -> Vec<&'static str> {
        let mut out = vec!["all"];
        out.extend(MessageKind::GROUPS.iter().map(|(n, _)| *n));
        out.extend(MessageKind::ALL.iter().map(|(_, n)| *n));
        out
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// serde for a list of durations as human strings (`["30m", "5m"]`).
mod human_list {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::runbook::duration;

    pub fn serialize<S: Serializer>(list: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = list.iter().map(|d| duration::format(*d)).collect();
        texts.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| duration::parse(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_groups_resolve() {
        assert_eq!(
            MessageKind::from_name("gates"),
            Some(vec![MessageKind::GateVote, MessageKind::GateResult])
        );
        assert_eq!(
            MessageKind::from_name("step_late"),
            Some(vec![MessageKind::StepLate])
        );
        assert!(!MessageKind::default_set().contains(&MessageKind::Note));
        assert_eq!(MessageKind::from_name("everything"), None);
        for (kind, name) in MessageKind::ALL {
            assert_eq!(kind.name(), *name);
        }
    }
}

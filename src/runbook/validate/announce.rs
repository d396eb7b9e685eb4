//! `[announce]` and the steps' `announce = "..."` texts: targets with a webhook URL from the
//! environment (never written in the file), a known format and known kinds; reminders and
//! retry settings as durations.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::{opt_duration, Validator};
use crate::runbook::announce::{AnnounceFormat, AnnounceSpec, AnnounceTarget, MessageKind};
use crate::runbook::names::did_you_mean;
use crate::runbook::raw::{RawAnnounce, RawAnnounceTarget, RawPhase, SString};

impl Validator<'_, '_> {
    pub(super) fn announce(
        &mut self,
        raw: Option<&(Range<usize>, Spanned<RawAnnounce>)>,
        phases: &[RawPhase],
    ) -> Option<AnnounceSpec> {
        let Some((key, raw)) = raw else {
            self.step_texts_without_targets(phases);
            return None;
        };
        let a = raw.get_ref();
        self.step_texts(phases);
        if a.target.is_empty() {
            self.error(
                key.clone(),
                "[announce] has no target",
                "add a [[announce.target]] with name, url = \"${WEBHOOK_VAR}\" and format, or remove [announce]",
            );
        }
        let mut seen = HashMap::new();
        let targets: Vec<AnnounceTarget> = a
            .target
            .iter()
            .filter_map(|t| self.announce_target(t.get_ref(), &mut seen))
            .collect();
        let what = "[announce]";
        let reminders = self.reminders(a.reminders.as_ref());
        let timeout = opt_duration(self, a.timeout.as_ref(), what, "timeout", 5_000);
        let backoff = opt_duration(self, a.backoff.as_ref(), what, "backoff", 1_000);
        let max_backoff = opt_duration(self, a.max_backoff.as_ref(), what, "max_backoff", 60_000);
        let give_up_after = opt_duration(
            self,
            a.give_up_after.as_ref(),
            what,
            "give_up_after",
            900_000,
        );
        for (field, value, d) in [
            ("timeout", &a.timeout, timeout),
            ("backoff", &a.backoff, backoff),
        ] {
            if let (Some(text), Some(Duration::ZERO)) = (value, d) {
                self.error(
                    text.span(),
                    format!("[announce] `{field}` must be longer than zero"),
                    format!(
                        "give a duration such as \"5s\", or leave `{field}` out for the default"
                    ),
                );
            }
        }
        Some(AnnounceSpec {
            targets,
            reminders,
            timeout: timeout?,
            backoff: backoff?,
            max_backoff: max_backoff?.max(backoff?),
            give_up_after: give_up_after?,
        })
    }

    fn announce_target(
        &mut self,
        t: &RawAnnounceTarget,
        seen: &mut HashMap<String, usize>,
    ) -> Option<AnnounceTarget> {
        self.identifier(&t.name, "announce target name");
        self.duplicate(seen, &t.name, "announce target");
        let name = t.name.get_ref().clone();
        let url_env = self.webhook_env(&t.url, &name);
        let format = match &t.format {
            None => Some(AnnounceFormat::Slack),
            Some(f) => {
                let format = AnnounceFormat::from_name(f.get_ref());
                if format.is_none() {
                    let hint = did_you_mean(f.get_ref(), AnnounceFormat::NAMES.iter().copied());
                    self.error(
                        f.span(),
                        format!(
                            "announce target `{name}` has unknown format `{}`",
                            f.get_ref()
                        ),
                        format!(
                            "write format = \"slack\" (Slack-compatible webhooks: Slack, Mattermost, ...) or format = \"json\" (a plain JSON body){hint}"
                        ),
                    );
                }
                format
            }
        };
        let kinds = match &t.kinds {
            None => MessageKind::default_set(),
            Some(list) => self.kinds(list, &name),
        };
        Some(AnnounceTarget {
            name,
            url_env: url_env?,
            format: format?,
            kinds,
        })
    }

    /// The variable a webhook URL comes from. A URL written in the file is refused, and the
    /// diagnostic does not quote the line: the webhook's secret is in its path.
    fn webhook_env(&mut self, url: &SString, target: &str) -> Option<String> {
        let text = url.get_ref().trim();
        let var = text
            .strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .filter(|name| {
                !name.is_empty()
                    && !name.starts_with(|c: char| c.is_ascii_digit())
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if var.is_none() {
            let mut d = self.map.error(
                url.span(),
                format!("announce target `{target}`: the webhook url must come from the environment"),
                format!(
                    "write url = \"${{{}_WEBHOOK_URL}}\" and set that variable where the console runs: a webhook URL is a secret and never goes in the runbook",
                    crate::runbook::names::env_suffix(target)
                ),
            );
            d.snippet = None;
            self.diags.push(d);
        }
        var.map(str::to_string)
    }

    fn kinds(&mut self, list: &Spanned<Vec<SString>>, target: &str) -> Vec<MessageKind> {
        if list.get_ref().is_empty() {
            self.error(
                list.span(),
                format!("announce target `{target}` has an empty `kinds`"),
                "list what it gets, e.g. kinds = [\"drill\", \"gates\", \"rollback\"], or leave `kinds` out for everything but notes",
            );
        }
        let mut out: Vec<MessageKind> = Vec::new();
        for k in list.get_ref() {
            if let Some(kinds) = MessageKind::from_name(k.get_ref()) {
                for kind in kinds {
                    if !out.contains(&kind) {
                        out.push(kind);
                    }
                }
            } else {
                let names = MessageKind::names();
                let hint = did_you_mean(k.get_ref(), names.iter().copied());
                self.error(
                    k.span(),
                    format!(
                        "announce target `{target}` names unknown message kind `{}`",
                        k.get_ref()
                    ),
                    format!("use one of {}{hint}", names.join(", ")),
                );
            }
        }
        out
    }

    fn reminders(&mut self, raw: Option<&Spanned<Vec<SString>>>) -> Vec<Duration> {
        let Some(list) = raw else {
            return AnnounceSpec::DEFAULT_REMINDERS.to_vec();
        };
        let mut out = Vec::new();
        for r in list.get_ref() {
            match self.duration(r, "an [announce] reminder") {
                Some(Duration::ZERO) => self.error(
                    r.span(),
                    "an [announce] reminder of zero comes too late to remind anyone",
                    "give how long before, e.g. reminders = [\"30m\", \"5m\"]",
                ),
                Some(d) if !out.contains(&d) => out.push(d),
                _ => {}
            }
        }
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }

    fn step_texts(&mut self, phases: &[RawPhase]) {
        for s in phases.iter().flat_map(|p| &p.steps) {
            let s = s.get_ref();
            if let Some(text) = &s.announce {
                if text.get_ref().trim().is_empty() {
                    self.error(
                        text.span(),
                        format!("step `{}` has an empty `announce`", s.id.get_ref()),
                        "write the text its start posts, e.g. announce = \"Writes are frozen: stop the app servers\", or remove it",
                    );
                }
            }
        }
    }

    fn step_texts_without_targets(&mut self, phases: &[RawPhase]) {
        for s in phases.iter().flat_map(|p| &p.steps) {
            let s = s.get_ref();
            if let Some(text) = &s.announce {
                self.warning(
                    text.span(),
                    format!(
                        "step `{}` has an `announce` text but the runbook has no [announce] target",
                        s.id.get_ref()
                    ),
                    "add [announce] with a [[announce.target]], or remove the text: nothing will post it",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::runbook::parse_str;
    use crate::runbook::{AnnounceFormat, MessageKind};
    use std::time::Duration;

    const BASE: &str = r#"
[runbook]
name = "n"
kind = "drill"
coordinator = "c"

[people.c]
name = "C"
role = "coordinator"

[[phase]]
name = "p"
[[phase.step]]
id = "one"
title = "One"
dri = "c"
reviewer = "c"
planned = "1m"
announce = "Writes are frozen"
"#;

    fn errors(extra: &str) -> Vec<String> {
        match parse_str("rb.toml", &format!("{BASE}{extra}")) {
            Ok(_) => Vec::new(),
            Err(d) => d
                .iter()
                .filter(|d| d.is_error())
                .map(ToString::to_string)
                .collect(),
        }
    }

    #[test]
    fn a_full_section_reads() {
        let text = format!(
            "{BASE}
[announce]
reminders = [\"5m\", \"30m\"]
timeout = \"2s\"
backoff = \"100ms\"
give_up_after = \"1m\"

[[announce.target]]
name = \"room\"
url = \"${{ROOM_HOOK}}\"
kinds = [\"gates\", \"drill\"]

[[announce.target]]
name = \"bus\"
url = \"${{BUS_HOOK}}\"
format = \"json\"
"
        );
        let rb = parse_str("rb.toml", &text).expect("valid").runbook;
        let a = rb.announce.expect("announce");
        assert_eq!(
            a.reminders,
            [Duration::from_secs(1800), Duration::from_secs(300)]
        );
        assert_eq!(a.timeout, Duration::from_secs(2));
        assert_eq!(a.targets[0].url_env, "ROOM_HOOK");
        assert_eq!(a.targets[0].format, AnnounceFormat::Slack);
        assert_eq!(
            a.targets[0].kinds,
            [
                MessageKind::GateVote,
                MessageKind::GateResult,
                MessageKind::Drill
            ]
        );
        assert_eq!(a.targets[1].format, AnnounceFormat::Json);
        assert_eq!(a.targets[1].kinds, MessageKind::default_set());
        assert_eq!(rb.steps[0].announce.as_deref(), Some("Writes are frozen"));
    }

    #[test]
    fn a_literal_webhook_url_is_refused_without_quoting_it() {
        let errs = errors(
            "
[announce]
[[announce.target]]
name = \"room\"
url = \"https://hooks.example.com/services/T0/B0/SECRET\"
",
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        let e = &errs[0];
        assert!(e.starts_with("rb.toml:24:7: error: announce target `room`: the webhook url must come from the environment"), "{e}");
        assert!(e.contains("${ROOM_WEBHOOK_URL}"), "{e}");
        assert!(
            !e.contains("SECRET"),
            "the diagnostic quotes the secret: {e}"
        );
    }

    #[test]
    fn unknown_format_and_kind_are_named_with_a_suggestion() {
        let errs = errors(
            "
[announce]
[[announce.target]]
name = \"room\"
url = \"${ROOM}\"
format = \"slak\"
kinds = [\"gate\", \"drill\"]
",
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with(
                "rb.toml:25:10: error: announce target `room` has unknown format `slak`"
            ),
            "{}",
            errs[0]
        );
        assert!(errs[0].contains("did you mean `slack`"), "{}", errs[0]);
        assert!(
            errs[1].starts_with(
                "rb.toml:26:10: error: announce target `room` names unknown message kind `gate`"
            ),
            "{}",
            errs[1]
        );
    }

    #[test]
    fn no_target_bad_durations_and_duplicates() {
        let errs = errors("\n[announce]\nreminders = [\"0s\"]\ntimeout = \"soon\"\n");
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].contains("[announce] has no target"), "{errs:?}");
        assert!(errs[1].contains("reminder of zero"), "{errs:?}");
        assert!(
            errs[2].contains("`timeout` of [announce]: `soon` is not a duration"),
            "{errs:?}"
        );
        let dup = errors(
            "
[announce]
[[announce.target]]
name = \"room\"
url = \"${A}\"
[[announce.target]]
name = \"room\"
url = \"${B}\"
",
        );
        assert_eq!(dup.len(), 1, "{dup:?}");
        assert!(
            dup[0].contains("duplicate announce target `room`"),
            "{dup:?}"
        );
    }

    #[test]
    fn a_step_text_without_targets_is_a_warning() {
        let loaded = parse_str("rb.toml", BASE).expect("valid");
        assert!(loaded.warnings.iter().any(|w| w.to_string().contains(
            "step `one` has an `announce` text but the runbook has no [announce] target"
        )));
    }
}

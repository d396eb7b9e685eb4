//! The body each target is sent. Slack-compatible incoming-webhook JSON: a `text` fallback
//! (what notifications show) and `blocks` (a section with the title and text, a section of
//! fields, a context line); Mattermost and others read the same. Or a plain JSON object
//! with every field by name. Both carry the idempotency key (also sent as a header).

use serde_json::{json, Value};

use crate::drill::outbox::{Announcement, Tone};
use crate::runbook::AnnounceFormat;

/// Slack's limits: 3000 characters in a text object, 10 fields in a section.
const SLACK_TEXT_MAX: usize = 3000;
const SLACK_FIELDS_MAX: usize = 10;

pub fn body(format: AnnounceFormat, drill: &str, key: &str, m: &Announcement) -> Value {
    match format {
        AnnounceFormat::Slack => slack(drill, m),
        AnnounceFormat::Json => generic(drill, key, m),
    }
}

fn emoji(tone: Tone) -> &'static str {
    match tone {
        Tone::Info => ":information_source:",
        Tone::Good => ":white_check_mark:",
        Tone::Warn => ":warning:",
        Tone::Bad => ":red_circle:",
    }
}

/// Escapes what Slack's mrkdwn reads as markup (`&`, `<`, `>`).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Keeps a text object within Slack's limit.
fn limit(text: String) -> String {
    if text.chars().count() <= SLACK_TEXT_MAX {
        return text;
    }
    let mut cut: String = text.chars().take(SLACK_TEXT_MAX - 1).collect();
    cut.push('…');
    cut
}

fn slack(drill: &str, m: &Announcement) -> Value {
    let headline = format!("{} {}", emoji(m.tone), m.title);
    let mut main = format!("*{}*", escape(&headline));
    if !m.text.is_empty() {
        main.push('\n');
        main.push_str(&escape(&m.text));
    }
    let mut blocks = vec![json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": limit(main) },
    })];
    if !m.fields.is_empty() {
        let fields: Vec<Value> = m
            .fields
            .iter()
            .take(SLACK_FIELDS_MAX)
            .map(|(label, value)| {
                json!({
                    "type": "mrkdwn",
                    "text": limit(format!("*{}*\n{}", escape(label), escape(value))),
                })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{
            "type": "mrkdwn",
            "text": limit(escape(&format!(
                "{drill} · {} · warroom",
                m.at.format("%Y-%m-%d %H:%M:%S UTC")
            ))),
        }],
    }));
    let fallback = if m.text.is_empty() {
        headline
    } else {
        format!("{headline}: {}", m.text)
    };
    json!({ "text": limit(escape(&fallback)), "blocks": blocks })
}

fn generic(drill: &str, key: &str, m: &Announcement) -> Value {
    let fields: Vec<Value> = m
        .fields
        .iter()
        .map(|(label, value)| json!({ "label": label, "value": value }))
        .collect();
    json!({
        "id": key,
        "drill": drill,
        "kinds": m.kinds,
        "tone": m.tone,
        "title": m.title,
        "text": m.text,
        "fields": fields,
        "step": m.step,
        "at": m.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "source": "warroom",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::MessageKind;

    fn message() -> Announcement {
        Announcement {
            kinds: vec![MessageKind::StepSignedOff],
            title: "✔ `copy` signed off by rita".into(),
            text: "rows <1M> & checked".into(),
            fields: vec![
                ("Actual".into(), "13m".into()),
                ("Plan".into(), "10m".into()),
            ],
            tone: Tone::Good,
            at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
            step: Some("copy".into()),
        }
    }

    #[test]
    fn slack_has_a_fallback_text_and_blocks_with_escaped_markup() {
        let v = body(AnnounceFormat::Slack, "drill", "k1", &message());
        let text = v["text"].as_str().unwrap_or_default();
        assert!(
            text.starts_with(":white_check_mark: ✔ `copy` signed off by rita"),
            "{v}"
        );
        assert!(text.contains("rows &lt;1M&gt; &amp; checked"), "{v}");
        assert_eq!(v["blocks"][0]["type"], "section");
        assert_eq!(v["blocks"][1]["fields"][0]["text"], "*Actual*\n13m");
        assert_eq!(v["blocks"][2]["type"], "context");
    }

    #[test]
    fn json_names_every_field_and_carries_the_key() {
        let v = body(AnnounceFormat::Json, "drill", "k1", &message());
        assert_eq!(v["id"], "k1");
        assert_eq!(v["kinds"][0], "step_signed_off");
        assert_eq!(v["fields"][1]["label"], "Plan");
        assert_eq!(v["step"], "copy");
        assert_eq!(v["at"], "2027-01-15T08:00:00.000Z");
    }
}

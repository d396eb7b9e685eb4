//! The wire format between a served drill and its remote consoles: one JSON object per
//! WebSocket text frame. The server speaks [`ServerFrame`]s, clients [`ClientFrame`]s.
//!
//! Sequence numbers: every update the server relays gets the next number. A `hello` says
//! "the state below includes every update up to `seq`"; the next `update` is `seq + 1`. A
//! client that sees any other number has missed something and asks for a `resync` (a fresh
//! `hello`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::drill::telemetry::Telemetry;
use crate::drill::{
    CommandKind, Event, FailureKind, HubFailure, Rejection, RejectionKind, ReplyError, Role, Update,
};

/// The largest frame a client may send. Commands are small; anything bigger is an attack
/// or a bug, and closes that connection.
pub const MAX_CLIENT_FRAME: usize = 64 * 1024;

/// The largest frame a client accepts from the server (a snapshot of a long drill).
pub const MAX_SERVER_FRAME: usize = 64 * 1024 * 1024;

/// Who the server took this connection for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The person's handle; `None` for an anonymous observer.
    pub handle: Option<String>,
    pub role: Role,
}

impl Identity {
    /// Observers never send commands; everyone else may try (the hub decides).
    pub fn may_send(&self) -> bool {
        !matches!(self.role, Role::Observer | Role::System)
    }

    pub fn label(&self) -> String {
        self.handle.clone().unwrap_or_else(|| "observer".into())
    }
}

/// The runbook as its file reads (literal URL passwords masked), for the remote console to
/// parse: the console renders the same plan the coordinator runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookText {
    pub file: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ServerFrame {
    /// The whole drill as of update `seq`: sent on connect, on `resync`, and when a client
    /// fell too far behind.
    Hello {
        seq: u64,
        at: DateTime<Utc>,
        you: Identity,
        runbook: RunbookText,
        events: Vec<Event>,
        telemetry: Vec<Telemetry>,
    },
    /// One update, in order.
    Update {
        seq: u64,
        at: DateTime<Utc>,
        update: Update,
    },
    /// The answer to the client's command `id`: the events journaled, or why not.
    Reply {
        id: u64,
        #[serde(flatten)]
        outcome: Outcome,
    },
}

/// What became of a command. On the wire `{"done":[events]}` or
/// `{"refused":"why","kind":"not_allowed"}`: `kind` is a [`RejectionKind`] (the rules
/// refused) or a [`FailureKind`] (the hub could not record it); a frame without it (an
/// older server) reads as [`FailureKind::Unspecified`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "OutcomeWire", into = "OutcomeWire")]
pub enum Outcome {
    Done(Vec<Event>),
    Refused(Refusal),
}

/// A refused command as a reply carries it: its kind, and the sentence it reads as (the
/// `refused` text every version of the frame has had, so code that read that text as a
/// string reads it the same way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub ReplyError);

impl std::ops::Deref for Refusal {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.reason()
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.reason())
    }
}

impl From<ReplyError> for Refusal {
    fn from(error: ReplyError) -> Self {
        Refusal(error)
    }
}

/// [`Outcome`] as its JSON fields (flattened into the `reply` frame).
#[derive(Serialize, Deserialize)]
struct OutcomeWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    done: Option<Vec<Event>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refused: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
}

impl From<Outcome> for OutcomeWire {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Done(events) => OutcomeWire {
                done: Some(events),
                refused: None,
                kind: None,
            },
            Outcome::Refused(Refusal(error)) => {
                let kind = match &error {
                    ReplyError::Rejected(r) => name_of(r.kind),
                    ReplyError::Failed(f) => name_of(f.kind),
                };
                OutcomeWire {
                    done: None,
                    refused: Some(error.reason().to_string()),
                    kind,
                }
            }
        }
    }
}

impl TryFrom<OutcomeWire> for Outcome {
    type Error = String;

    fn try_from(wire: OutcomeWire) -> Result<Self, String> {
        match (wire.done, wire.refused) {
            (Some(events), None) => Ok(Outcome::Done(events)),
            (None, Some(reason)) => Ok(Outcome::Refused(Refusal(refusal(
                reason,
                wire.kind.as_deref(),
            )))),
            _ => Err("a reply holds exactly one of `done` and `refused`".into()),
        }
    }
}

/// A kind's wire name (its serde name: `not_allowed`, `journal_failed`).
fn name_of<K: Serialize>(kind: K) -> Option<String> {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => Some(name),
        _ => None,
    }
}

/// The reply error a `refused` text and its `kind` name stand for; a kind this version
/// does not know (or none) is [`FailureKind::Unspecified`].
fn refusal(reason: String, kind: Option<&str>) -> ReplyError {
    use serde::de::value::{Error, StrDeserializer};
    if let Some(name) = kind {
        if let Ok(kind) = RejectionKind::deserialize(StrDeserializer::<Error>::new(name)) {
            return ReplyError::Rejected(Rejection::new(kind, reason));
        }
        if let Ok(kind) = FailureKind::deserialize(StrDeserializer::<Error>::new(name)) {
            return ReplyError::Failed(HubFailure::new(kind, reason));
        }
    }
    ReplyError::Failed(HubFailure::new(FailureKind::Unspecified, reason))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ClientFrame {
    /// Do this as the person this connection authenticated as (the server sets who).
    Command { id: u64, command: CommandKind },
    /// Send me a fresh `hello`: I missed an update.
    Resync,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("frame of {0} bytes is over the limit of {1} bytes")]
    TooLarge(usize, usize),
    #[error("frame is not UTF-8 JSON text")]
    NotText,
    #[error("malformed frame: {0}")]
    Malformed(String),
}

impl FrameError {
    /// The WebSocket close code that answers such a frame: 1009 (message too big) for one
    /// over the limit, 1007 (invalid payload) for the rest.
    pub fn close_code(&self) -> u16 {
        match self {
            FrameError::TooLarge(..) => 1009,
            FrameError::NotText | FrameError::Malformed(_) => 1007,
        }
    }

    /// The reason sent with [`FrameError::close_code`].
    pub fn close_reason(&self) -> &'static str {
        match self {
            FrameError::TooLarge(..) => "message too big",
            FrameError::NotText | FrameError::Malformed(_) => "malformed frame",
        }
    }
}

/// Decodes what a client sent. Never panics, whatever the bytes.
pub fn decode_client(bytes: &[u8]) -> Result<ClientFrame, FrameError> {
    decode(bytes, MAX_CLIENT_FRAME)
}

/// Decodes what the server sent.
pub fn decode_server(bytes: &[u8]) -> Result<ServerFrame, FrameError> {
    decode(bytes, MAX_SERVER_FRAME)
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], limit: usize) -> Result<T, FrameError> {
    if bytes.len() > limit {
        return Err(FrameError::TooLarge(bytes.len(), limit));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| FrameError::NotText)?;
    serde_json::from_str(text).map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Encodes a frame as JSON text. Our own types always serialize; a failure is a bug, logged
/// and sent as an empty object the client will reject.
pub fn encode<T: Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).unwrap_or_else(|e| {
        tracing::error!(error = %e, "frame not encodable");
        "{}".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_round_trips() {
        let frame = ClientFrame::Command {
            id: 7,
            command: CommandKind::Note {
                step: Some("precheck".into()),
                text: "replica lag 0".into(),
            },
        };
        let text = encode(&frame);
        assert_eq!(decode_client(text.as_bytes()), Ok(frame));
    }

    fn reply(outcome: Outcome) -> ServerFrame {
        ServerFrame::Reply { id: 3, outcome }
    }

    #[test]
    fn a_refusal_keeps_its_kind_and_its_text() {
        let rejected = reply(Outcome::Refused(Refusal(ReplyError::Rejected(
            Rejection::new(RejectionKind::NotAllowed, "only the coordinator may"),
        ))));
        let text = encode(&rejected);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).ok(),
            Some(serde_json::json!({
                "type": "reply", "id": 3,
                "refused": "only the coordinator may", "kind": "not_allowed"
            }))
        );
        assert_eq!(decode_server(text.as_bytes()), Ok(rejected));
        let failed = reply(Outcome::Refused(Refusal(ReplyError::Failed(
            HubFailure::new(FailureKind::JournalFailed, "disk full"),
        ))));
        assert_eq!(decode_server(encode(&failed).as_bytes()), Ok(failed));
        let done = reply(Outcome::Done(Vec::new()));
        assert!(encode(&done).contains(r#""done":[]"#));
        assert_eq!(decode_server(encode(&done).as_bytes()), Ok(done));
    }

    #[test]
    #[allow(clippy::items_after_statements)]
    fn every_kind_has_its_own_wire_name() {
        use RejectionKind as R;
        let rejections = [
            R::NotAllowed,
            R::WrongState,
            R::MissingEvidence,
            R::PointOfNoReturn,
            R::Unknown,
            R::Invalid,
            R::Ended,
        ];
        for kind in rejections {
            let error = ReplyError::Rejected(Rejection::new(kind, "why"));
            let frame = reply(Outcome::Refused(Refusal(error)));
            assert_eq!(decode_server(encode(&frame).as_bytes()), Ok(frame));
        }
        use FailureKind as F;
        let failures = [
            F::JournalFailed,
            F::HubGone,
            F::Busy,
            F::NotConnected,
            F::LinkLost,
            F::Unspecified,
        ];
        for kind in failures {
            let frame = reply(Outcome::Refused(Refusal(ReplyError::Failed(
                HubFailure::new(kind, "why"),
            ))));
            assert_eq!(decode_server(encode(&frame).as_bytes()), Ok(frame));
        }
    }

    #[test]
    fn an_older_servers_refusal_still_reads() {
        let old = br#"{"type":"reply","id":4,"refused":"nope"}"#;
        let Ok(ServerFrame::Reply {
            id: 4,
            outcome: Outcome::Refused(why),
        }) = decode_server(old)
        else {
            panic!("an old reply decodes")
        };
        assert_eq!(&*why, "nope");
        assert!(matches!(why.0, ReplyError::Failed(f) if f.kind == FailureKind::Unspecified));
        let newer = br#"{"type":"reply","id":4,"refused":"nope","kind":"from_the_future"}"#;
        assert!(decode_server(newer).is_ok());
        let both = br#"{"type":"reply","id":4,"refused":"nope","done":[]}"#;
        assert!(matches!(decode_server(both), Err(FrameError::Malformed(_))));
    }

    #[test]
    fn bad_bytes_are_errors_not_panics() {
        assert_eq!(decode_client(&[0xff, 0xfe]), Err(FrameError::NotText));
        assert!(matches!(
            decode_client(b"{\"type\":\"command\"}"),
            Err(FrameError::Malformed(_))
        ));
        let big = vec![b' '; MAX_CLIENT_FRAME + 1];
        let too_large = decode_client(&big).expect_err("too large");
        assert_eq!(
            too_large,
            FrameError::TooLarge(MAX_CLIENT_FRAME + 1, MAX_CLIENT_FRAME)
        );
        assert_eq!(too_large.close_code(), 1009);
        assert_eq!(FrameError::NotText.close_code(), 1007);
    }

    proptest::proptest! {
        /// Any bytes at all: a value or an error, never a panic (the cargo-fuzz target
        /// `fuzz/frame_decoder` goes much further; this runs on every `cargo test`).
        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = decode_client(&bytes);
            let _ = decode_server(&bytes);
        }

        #[test]
        fn json_shaped_text_decodes_or_fails_cleanly(text in r#"\{"type":"(command|resync|hello|update|reply)"(,"[a-z]{1,8}":("[a-z]{0,5}"|[0-9]{1,3}|null|\{\}))*\}"#) {
            let _ = decode_client(text.as_bytes());
            let _ = decode_server(text.as_bytes());
        }
    }

    #[test]
    fn observers_may_not_send() {
        let observer = Identity {
            handle: Some("olga".into()),
            role: Role::Observer,
        };
        let dri = Identity {
            handle: Some("dev".into()),
            role: Role::Participant,
        };
        assert!(!observer.may_send());
        assert!(dri.may_send());
    }
}

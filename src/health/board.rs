//! The health board: folds probe samples and the passing of time into probe states, and
//! reports status changes. Pure and clock-free: every call takes `now`, so tests use fixed
//! times.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::runbook::ProbeSpec;

use super::sample::{
    status_change, HealthSnapshot, HistoryPoint, ProbeSample, ProbeState, ProbeStatus, StatusChange,
};
use super::staleness::stale_for;

/// Samples kept per probe for sparklines.
pub const HISTORY_LEN: usize = 60;

struct Entry {
    stale_after: std::time::Duration,
    state: ProbeState,
}

/// Latest state of every probe, in runbook order.
pub struct HealthBoard {
    since: DateTime<Utc>,
    entries: Vec<Entry>,
}

impl HealthBoard {
    /// A board for these probes, sampling from `since` (staleness of a probe that never
    /// answered counts from there).
    pub fn new(specs: &[ProbeSpec], since: DateTime<Utc>) -> HealthBoard {
        let entries = specs
            .iter()
            .map(|spec| Entry {
                stale_after: spec.stale_after,
                state: ProbeState {
                    name: spec.name.clone(),
                    kind: spec.kind,
                    unit: spec.unit.clone(),
                    rollback_path: spec.rollback_path,
                    latest: None,
                    last_value: None,
                    stale_for: None,
                    status: ProbeStatus::NoData,
                    history: VecDeque::new(),
                },
            })
            .collect();
        HealthBoard { since, entries }
    }

    /// Records a sample (at `sample.at`). Returns the status change it causes, if any. The
    /// first sample of a probe is a change only when it is not green (a probe starting OK is
    /// not news; one starting CRITICAL is).
    pub fn record(&mut self, sample: ProbeSample) -> Option<StatusChange> {
        let since = self.since;
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.state.name == sample.probe)?;
        let first = entry.state.latest.is_none() && entry.state.stale_for.is_none();
        let previous = entry.state.clone();
        let at = sample.at;
        let state = &mut entry.state;
        if state.history.len() == HISTORY_LEN {
            state.history.pop_front();
        }
        state.history.push_back(HistoryPoint {
            at,
            value: sample.value,
            status: sample.status,
        });
        if sample.is_fresh() {
            if let Some(v) = sample.value {
                state.last_value = Some((at, v));
            }
        }
        state.latest = Some(sample);
        reassess(entry, since, at);
        let change = status_change(&previous, &entry.state, at)?;
        (!first || !change.to.is_green()).then_some(change)
    }

    /// Re-evaluates staleness at `now`; returns the probes whose status changed.
    pub fn refresh(&mut self, now: DateTime<Utc>) -> Vec<StatusChange> {
        let since = self.since;
        self.entries
            .iter_mut()
            .filter_map(|entry| {
                let previous = entry.state.clone();
                reassess(entry, since, now);
                status_change(&previous, &entry.state, now)
            })
            .collect()
    }

    /// An owned snapshot of every probe at `now` (staleness re-evaluated).
    pub fn snapshot(&mut self, now: DateTime<Utc>) -> HealthSnapshot {
        let since = self.since;
        for entry in &mut self.entries {
            reassess(entry, since, now);
        }
        let probes: Vec<ProbeState> = self.entries.iter().map(|e| e.state.clone()).collect();
        let worst = ProbeStatus::worst(probes.iter().map(|p| p.status));
        HealthSnapshot {
            at: now,
            probes,
            worst,
        }
    }
}

/// Sets a probe's staleness and shown status from its latest sample at `now`.
fn reassess(entry: &mut Entry, since: DateTime<Utc>, now: DateTime<Utc>) {
    let state = &mut entry.state;
    state.stale_for = stale_for(
        state.last_value.map(|(at, _)| at),
        since,
        now,
        entry.stale_after,
    );
    state.status = match (&state.stale_for, &state.latest) {
        (Some(_), _) | (None, None) => ProbeStatus::NoData,
        (None, Some(sample)) => sample.status,
    };
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::runbook::{ProbeKind, Threshold};

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0)
            .single()
            .expect("valid time")
    }

    fn spec(name: &str) -> ProbeSpec {
        ProbeSpec {
            name: name.into(),
            kind: ProbeKind::Sql,
            url: None,
            query: Some("SELECT 1".into()),
            connection: Some("src".into()),
            json_pointer: None,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            stale_after: Duration::from_secs(10),
            unit: Some("s".into()),
            warn: Some(Threshold::Above(5.0)),
            critical: Some(Threshold::Above(10.0)),
            rollback_path: name == "reverse",
            active: None,
        }
    }

    fn sample(name: &str, at: i64, value: Option<f64>, status: ProbeStatus) -> ProbeSample {
        ProbeSample {
            probe: name.into(),
            at: t(at),
            value,
            series: vec![],
            status,
            error: (status == ProbeStatus::Error).then(|| "connection refused".to_string()),
            latency: Duration::from_millis(3),
        }
    }

    #[test]
    fn starts_no_data_and_a_green_first_sample_is_not_news() {
        let mut board = HealthBoard::new(&[spec("lag")], t(0));
        assert_eq!(board.snapshot(t(0)).worst, ProbeStatus::NoData);
        assert_eq!(
            board.record(sample("lag", 1, Some(1.0), ProbeStatus::Ok)),
            None
        );
        let snap = board.snapshot(t(1));
        assert_eq!(snap.worst, ProbeStatus::Ok);
        assert!(snap.evidence_holds("lag"));
        assert!(!snap.evidence_holds("nope"));
        let lag = snap.probe("lag").expect("lag");
        assert_eq!(lag.age(t(4)), Some(Duration::from_secs(3)));
        assert_eq!(lag.history_values(), vec![Some(1.0)]);
    }

    #[test]
    fn a_critical_first_sample_is_news() {
        let mut board = HealthBoard::new(&[spec("lag")], t(0));
        let change = board
            .record(sample("lag", 1, Some(12.0), ProbeStatus::Critical))
            .expect("a change");
        assert_eq!(change.to, ProbeStatus::Critical);
        assert!(change.is_alarm());
        assert!(
            change.describe().contains("lag turned CRITICAL"),
            "{}",
            change.describe()
        );
    }

    #[test]
    fn turning_critical_and_recovering() {
        let mut board = HealthBoard::new(&[spec("lag")], t(0));
        board.record(sample("lag", 1, Some(1.0), ProbeStatus::Ok));
        assert_eq!(
            board.record(sample("lag", 2, Some(2.0), ProbeStatus::Ok)),
            None
        );
        let bad = board
            .record(sample("lag", 3, Some(11.0), ProbeStatus::Critical))
            .expect("critical");
        assert_eq!((bad.from, bad.to), (ProbeStatus::Ok, ProbeStatus::Critical));
        let good = board
            .record(sample("lag", 4, Some(1.0), ProbeStatus::Ok))
            .expect("recovered");
        assert!(good.is_recovery());
        assert!(good.describe().contains("recovered"), "{}", good.describe());
    }

    #[test]
    fn errors_then_stale_with_how_long() {
        let mut board = HealthBoard::new(&[spec("lag")], t(0));
        board.record(sample("lag", 1, Some(1.0), ProbeStatus::Ok));
        let err = board
            .record(sample("lag", 5, None, ProbeStatus::Error))
            .expect("error");
        assert_eq!(err.to, ProbeStatus::Error);
        // Still within stale_after (10 s) of the last value at t=1.
        assert!(board.refresh(t(11)).is_empty());
        let changes = board.refresh(t(12));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].to, ProbeStatus::NoData);
        let snap = board.snapshot(t(42));
        let lag = snap.probe("lag").expect("lag");
        assert_eq!(lag.stale_for, Some(Duration::from_secs(41)));
        assert_eq!(lag.last_value, Some((t(1), 1.0)));
        assert_eq!(
            lag.detail().as_deref(),
            Some("no data for 41s (connection refused)")
        );
        assert!(!snap.evidence_holds("lag"));
        // A fresh value clears it.
        let back = board
            .record(sample("lag", 43, Some(1.0), ProbeStatus::Ok))
            .expect("recovered");
        assert!(back.is_recovery());
        assert_eq!(
            board.snapshot(t(43)).probe("lag").and_then(|p| p.stale_for),
            None
        );
    }

    #[test]
    fn a_probe_that_never_answers_goes_stale_from_the_start() {
        let mut board = HealthBoard::new(&[spec("lag")], t(0));
        assert!(
            board.refresh(t(10)).is_empty(),
            "NO DATA from the start, no change"
        );
        let snap = board.snapshot(t(11));
        assert_eq!(
            snap.probe("lag").and_then(|p| p.stale_for),
            Some(Duration::from_secs(11))
        );
    }

    // HISTORY_LEN is 60.
    #[allow(clippy::cast_possible_wrap)]
    #[test]
    fn history_is_a_bounded_ring() {
        let mut board = HealthBoard::new(&[spec("lag")], t(0));
        for i in 0..(HISTORY_LEN as i64 + 5) {
            board.record(sample("lag", i, Some(i as f64), ProbeStatus::Ok));
        }
        let snap = board.snapshot(t(HISTORY_LEN as i64 + 5));
        let history = &snap.probe("lag").expect("lag").history;
        assert_eq!(history.len(), HISTORY_LEN);
        assert_eq!(history.front().and_then(|p| p.value), Some(5.0));
    }

    #[test]
    fn worst_and_rollback_path() {
        let mut board = HealthBoard::new(&[spec("lag"), spec("reverse")], t(0));
        board.record(sample("lag", 1, Some(6.0), ProbeStatus::Warn));
        board.record(sample("reverse", 1, Some(1.0), ProbeStatus::Ok));
        let snap = board.snapshot(t(2));
        assert_eq!(snap.worst, ProbeStatus::Warn);
        assert_eq!(snap.rollback_path_status(), Some(ProbeStatus::Ok));
        assert!(!snap.all_green());
    }

    #[test]
    fn unknown_probe_samples_are_ignored() {
        let mut board = HealthBoard::new(&[spec("lag")], t(0));
        assert_eq!(
            board.record(sample("ghost", 1, Some(1.0), ProbeStatus::Ok)),
            None
        );
    }
}

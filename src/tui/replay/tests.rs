//! The replay headless: the timeline's moment, stepping, jumping, the recorded telemetry,
//! and the player refusing what would change the drill.

use chrono::{DateTime, Utc};

use super::player::{Flow, Player, REFUSED};
use super::timeline::Timeline;
use crate::drill::telemetry::copy::{CopyProgress, CopyState, Throttle, ThrottleState};
use crate::drill::telemetry::Telemetry;
use crate::drill::{EventKind, StepStatus, Target};
use crate::tui::tests::{app, draw, key, min, review_events, runbook, text};

fn copy_at(rows: u64) -> Telemetry {
    Telemetry::Copy(CopyProgress {
        job: "orders".into(),
        state: CopyState::Running,
        rows_done: rows,
        rows_estimated: Some(1000),
        rows_per_sec_now: 10.0,
        rows_per_sec_avg: 10.0,
        elapsed_secs: 0.0,
        throttled_secs: 0.0,
        throttle: Throttle {
            state: ThrottleState::Free,
            reason: String::new(),
        },
        rate_limit: None,
        retries: 0,
        errors: 0,
        last_error: None,
        chunk_size: 100,
        ranges: Vec::new(),
    })
}

/// Freeze done and signed; schema started at +6m and done at +20m; copy readings at +7m
/// (100 rows) and +15m (500 rows).
fn timeline() -> Timeline {
    let rb = runbook();
    let readings: Vec<(DateTime<Utc>, Telemetry)> =
        vec![(min(15), copy_at(500)), (min(7), copy_at(100))];
    Timeline::new(rb.clone(), review_events(&rb), readings)
}

fn status(t: &Timeline, id: &str) -> StepStatus {
    let i = t.replica().drill.runbook().step_index(id).expect("step");
    t.replica().drill.state().status(i)
}

#[test]
fn jumping_to_a_step_shows_it_running_with_the_log_ending_at_its_start() {
    let mut t = timeline();
    assert!(t.seek_step("schema"));
    assert_eq!(status(&t, "schema"), StepStatus::Running);
    assert_eq!(t.at(), min(6));
    let last = t.last_event().expect("an event");
    assert!(matches!(&last.kind, EventKind::Started { target: Target::Step(s) } if s == "schema"));
    let log = &t.replica().drill.state().log;
    assert_eq!(log.last().map(|l| l.event.seq), Some(last.seq));
    assert!(!t.seek_step("verify"), "verify never started");
}

#[test]
fn stepping_moves_exactly_one_event_either_way() {
    let mut t = timeline();
    let all = t.len();
    assert_eq!(t.cursor(), 0);
    assert!(t.step_forward());
    assert_eq!(t.cursor(), 1);
    assert_eq!(t.replica().drill.next_seq(), 2);
    while t.step_forward() {}
    assert_eq!(t.cursor(), all);
    assert_eq!(status(&t, "schema"), StepStatus::AwaitingReview);
    assert!(t.step_back());
    assert_eq!(t.cursor(), all - 1);
    assert_eq!(status(&t, "schema"), StepStatus::Running);
    assert_eq!(
        t.replica().drill.next_seq(),
        u64::try_from(all).expect("small")
    );
}

#[test]
fn the_recorded_telemetry_is_as_it_was_at_the_moment() {
    let mut t = timeline();
    t.seek_time(min(10));
    assert_eq!(
        t.replica().copies.get("orders").map(|c| c.rows_done),
        Some(100)
    );
    assert_eq!(status(&t, "schema"), StepStatus::Running);
    t.advance(chrono::Duration::minutes(6));
    assert_eq!(
        t.replica().copies.get("orders").map(|c| c.rows_done),
        Some(500)
    );
    assert_eq!(t.at(), min(16));
    // Back again: the later reading is forgotten.
    t.seek_time(min(8));
    assert_eq!(
        t.replica().copies.get("orders").map(|c| c.rows_done),
        Some(100)
    );
    t.seek_time(min(1));
    assert!(t.replica().copies.is_empty());
}

#[test]
fn playing_runs_at_the_chosen_speed_and_stops_at_the_end() {
    let mut p = Player::new(timeline(), "j.db".into());
    let mut a = app(&[], "replay", false);
    p.show(&mut a);
    p.key(&mut a, key(' '), Utc::now());
    assert!(p.playing);
    for _ in 0..3 {
        p.key(&mut a, key('+'), Utc::now());
    }
    assert_eq!(p.speed(), 10);
    let before = p.timeline.at();
    p.tick(std::time::Duration::from_secs(6));
    assert_eq!(p.timeline.at() - before, chrono::Duration::seconds(60));
    p.tick(std::time::Duration::from_secs(3600));
    assert!(p.timeline.at_end());
    assert!(!p.playing, "paused at the end");
}

#[test]
fn every_drill_changing_key_is_refused_and_nothing_is_sent() {
    let mut p = Player::new(timeline(), "j.db".into());
    p.timeline.seek_step("schema");
    let mut a = app(&[], "replay", false);
    p.show(&mut a);
    for c in ['d', 'o', 'f', 'x', 's', 'n', 'R'] {
        a.flash = None;
        assert_eq!(p.key(&mut a, key(c), Utc::now()), Flow::Go);
        assert_eq!(
            a.flash.as_ref().map(|f| f.text.as_str()),
            Some(REFUSED),
            "{c}"
        );
    }
    assert_eq!(status(&p.timeline, "schema"), StepStatus::Running);
    assert_eq!(p.key(&mut a, key('q'), Utc::now()), Flow::Quit);
}

#[test]
fn the_screen_shows_the_moment_and_the_replay_keys() {
    let mut p = Player::new(timeline(), "j.db".into());
    let mut a = app(&[], "replay", false);
    a.mode_keys = super::controls::KEYS
        .iter()
        .map(|(k, l)| ((*k).to_string(), *l))
        .collect();
    p.timeline.seek_step("schema");
    p.key(&mut a, key('.'), Utc::now());
    let screen = text(&draw(&a, p.timeline.at(), 160, 40));
    assert!(screen.contains("REPLAY ■ end · event 6/6"), "{screen}");
    assert!(screen.contains("play/pause"), "{screen}");
    // The help lists the replay keys too, and no key that changes the drill.
    p.key(&mut a, key('?'), Utc::now());
    let help = text(&draw(&a, p.timeline.at(), 160, 40));
    assert!(help.contains("jump to time"), "{help}");
    assert!(!help.contains("sign off"), "{help}");
    p.key(
        &mut a,
        crate::tui::tests::code(ratatui::crossterm::event::KeyCode::Esc),
        Utc::now(),
    );
    assert!(screen.contains("22:20:00 UTC"), "{screen}");
    // Jump to a time typed by the reader.
    p.key(&mut a, key('t'), Utc::now());
    for c in "T+0:10:00".chars() {
        p.key(&mut a, key(c), Utc::now());
    }
    p.key(
        &mut a,
        crate::tui::tests::code(ratatui::crossterm::event::KeyCode::Enter),
        Utc::now(),
    );
    assert_eq!(p.timeline.at(), min(10));
    assert_eq!(p.timeline.cursor(), 5);
}

//! One frame of the console for a 300-step runbook at 200x60, with a drill in progress
//! (aim < 2 ms a frame). Idle CPU is measured on the real binary by
//! `bench/idle-cpu.sh` (aim < 1% of a core).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use warroom::drill::testkit::RunbookBuilder;
use warroom::drill::{Actor, Command, CommandKind, Drill, Event, Target};
use warroom::tui::app::App;
use warroom::tui::render::render_buffer;

const STEPS: usize = 300;
const FRAMES: usize = 500;

fn main() {
    let mut builder = RunbookBuilder::new("render bench")
        .person("dana", "DBA")
        .person("sam", "SRE");
    for i in 0..STEPS {
        builder = builder
            .step(&format!("step-{i:03}"), "dana", "sam", "5m")
            .rollback("undo it");
        if i % 50 == 49 {
            builder = builder.gate();
        }
    }
    let runbook = Arc::new(builder.build());
    let start: DateTime<Utc> = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    let mut drill = Drill::new(runbook.clone());
    let mut events: Vec<Event> = Vec::new();
    let coord = Actor::Person("coord".into());
    // Finish the first 40 steps and leave the 41st running, overrun.
    for i in 0u32..41 {
        let target = Target::Step(format!("step-{i:03}"));
        let mut kinds = vec![CommandKind::Start {
            target: target.clone(),
        }];
        if i < 40 {
            kinds.push(CommandKind::Done {
                target: target.clone(),
            });
            kinds.push(CommandKind::SignOff { target });
        }
        for kind in kinds {
            let at = start + chrono::Duration::seconds(i64::from(i) * 60);
            let command = Command {
                by: coord.clone(),
                kind,
            };
            if let Ok(made) = drill.execute(&command, at) {
                events.extend(made);
            }
        }
    }
    let app = App::new(runbook, &events, coord, true);
    let now = start + chrono::Duration::hours(1);
    let area = Rect::new(0, 0, 200, 60);
    let mut buf = Buffer::empty(area);
    for _ in 0..50 {
        render_buffer(&app, now, area, &mut buf);
    }
    let mut times: Vec<Duration> = (0..FRAMES)
        .map(|_| {
            buf.reset();
            let t = Instant::now();
            render_buffer(&app, now, area, &mut buf);
            t.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "render: {STEPS}-step runbook, {} events, 200x60, {FRAMES} frames",
        events.len()
    );
    println!(
        "  median {:.3} ms   p95 {:.3} ms   max {:.3} ms   (aim < 2 ms)",
        ms(times[FRAMES / 2]),
        ms(times[FRAMES * 95 / 100]),
        ms(times[FRAMES - 1])
    );
}

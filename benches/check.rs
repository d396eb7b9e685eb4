//! `cargo bench --bench check`: parse + validate + summary of a generated 1,000-step
//! runbook, against the aim of < 50 ms (a `warroom check` that feels instant).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use warroom::runbook::{parse_str, Summary};

const STEPS: usize = 1_000;
const PHASES: usize = 20;
const PEOPLE: usize = 40;
const ITERATIONS: usize = 50;
const AIM_MS: f64 = 50.0;

/// People, connections, jobs, probes, 20 phases of 50 steps. Every 10th step fans in
/// from the previous 3-4 steps, every 5th fans out from a step further back, every 50th
/// is a gate and the step after it irreversible.
fn generate() -> String {
    let mut t = String::with_capacity(512 * STEPS);
    let _ = writeln!(
        t,
        "[runbook]\nname = \"generated\"\nkind = \"cutover\"\ncoordinator = \"p0\"\n"
    );
    for p in 0..PEOPLE {
        let _ = writeln!(t, "[people.p{p}]\nname = \"Person {p}\"\nrole = \"DBA\"\n");
    }
    let _ = writeln!(
        t,
        "[connections.src]\nurl = \"mysql://app:${{SRC_PASSWORD}}@db1:3306/pay\"\n\n\
         [connections.dst]\nurl = \"postgres://app:${{DST_PASSWORD}}@db2:5432/pay\"\n"
    );
    for j in 0..20 {
        let _ = writeln!(
            t,
            "[[copy]]\nname = \"copy{j}\"\nsource = \"src\"\nsource_table = \"t{j}\"\ntarget = \"dst\"\n\
             target_table = \"t{j}\"\nkey = [\"id\"]\nwhere = \"created_at < '2026-01-01'\"\n\n\
             [[copy.throttle]]\nkind = \"source_latency\"\nabove = \"200ms\"\n\n\
             [[recon]]\nname = \"recon{j}\"\nsource = \"src\"\nsource_table = \"t{j}\"\ntarget = \"dst\"\n\
             target_table = \"t{j}\"\nkey = [\"id\"]\n\n\
             [[probe]]\nname = \"probe{j}\"\nkind = \"sql\"\nconnection = \"src\"\nquery = \"SELECT 1\"\n\
             warn = {{ above = 5.0 }}\n"
        );
    }
    let per_phase = STEPS / PHASES;
    for ph in 0..PHASES {
        let _ = writeln!(t, "[[phase]]\nname = \"phase {ph}\"\n");
        for k in 0..per_phase {
            let i = ph * per_phase + k;
            let dri = i % PEOPLE;
            let reviewer = (i + 1) % PEOPLE;
            let _ = writeln!(
                t,
                "[[phase.step]]\nid = \"s{i}\"\ntitle = \"Step {i}\"\ndri = \"p{dri}\"\n\
                 reviewer = \"p{reviewer}\"\nplanned = \"{}m{}s\"\n\
                 instructions = \"\"\"\nDo the thing number {i}.\nThen check it.\"\"\"",
                1 + i % 7,
                i % 60
            );
            if i % 10 == 0 && i >= 4 {
                let _ = writeln!(
                    t,
                    "after = [\"s{}\", \"s{}\", \"s{}\"]",
                    i - 1,
                    i - 2,
                    i - 4
                );
            } else if i % 5 == 0 && i >= 30 {
                let _ = writeln!(t, "after = [\"s{}\"]", i - 30);
            }
            if i % 50 == 49 {
                let j = (i / 50) % 20;
                let _ = writeln!(
                    t,
                    "gate = true\napprovers = [\"p0\", \"p{reviewer}\"]\n\
                     requires = [\"copy:copy{j}\", \"recon:recon{j}\", \"probe:probe{j}\"]"
                );
            } else if i % 50 == 0 && i > 0 {
                let _ = writeln!(t, "irreversible = true");
            } else if i % 3 == 0 {
                let _ = writeln!(t, "action = {{ copy = \"copy{}\" }}", i % 20);
            } else if i % 3 == 1 {
                let _ = writeln!(
                    t,
                    "rollback = {{ instructions = \"Undo {i}\", action = {{ recon = \"recon{}\" }} }}",
                    i % 20
                );
            }
            t.push('\n');
        }
    }
    t
}

// A percentile index: within 0..len.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn main() {
    let text = generate();
    // Warm up, and make sure the generated runbook is valid (else we'd time error paths).
    let loaded = match parse_str("generated.toml", &text) {
        Ok(l) => l,
        Err(diags) => {
            for d in diags.iter().take(5) {
                eprintln!("{d}");
            }
            eprintln!("the generated runbook is invalid");
            std::process::exit(1);
        }
    };
    let summary = Summary::of(&loaded.runbook);
    let mut times = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let start = Instant::now();
        let loaded = parse_str("generated.toml", &text);
        let summary = loaded.map(|l| Summary::of(&l.runbook));
        std::hint::black_box(&summary);
        times.push(start.elapsed());
    }
    times.sort();
    let (median, p95) = (percentile(&times, 0.5), percentile(&times, 0.95));
    println!(
        "check: {} steps, {} phases, {} KiB of TOML, {} warnings, critical path {} steps",
        summary.steps,
        summary.phases,
        text.len() / 1024,
        loaded.warnings.len(),
        summary.critical_path_steps.len()
    );
    println!("parse+validate+summary over {ITERATIONS} runs: median {median:.2} ms, p95 {p95:.2} ms (aim < {AIM_MS:.0} ms)");
    println!(
        "{}",
        if p95 < AIM_MS {
            "within the aim"
        } else {
            "ABOVE the aim"
        }
    );
}

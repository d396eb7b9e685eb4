//! A MariaDB server's InnoDB, second by second, beside a load's latency: pages read from
//! disk (the buffer pool missed), pages flushed, waits for a free page, the checkpoint age
//! as a share of its maximum (near 1 InnoDB flushes furiously and writers wait), and the
//! purge's history length. Read with `SHOW GLOBAL STATUS` through the `mariadb` client.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

/// One second of InnoDB (`t`: seconds since the run's origin, at the second's end).
#[derive(Debug, Clone, Copy, Default)]
pub struct InnodbSecond {
    pub t: f64,
    pub disk_reads: f64,
    pub pages_flushed: f64,
    pub free_waits: f64,
    pub checkpoint_share: f64,
    pub history: f64,
}

const NAMES: [&str; 6] = [
    "Innodb_buffer_pool_reads",
    "Innodb_buffer_pool_pages_flushed",
    "Innodb_buffer_pool_wait_free",
    "Innodb_checkpoint_age",
    "Innodb_checkpoint_max_age",
    "Innodb_history_list_length",
];

fn read(port: u16) -> Option<HashMap<String, f64>> {
    let list = NAMES
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(",");
    let out = Command::new("mariadb")
        .args([
            "-h",
            "127.0.0.1",
            "-P",
            &port.to_string(),
            "-u",
            "root",
            "-N",
            "-B",
        ])
        .args([
            "-e",
            &format!("SHOW GLOBAL STATUS WHERE Variable_name IN ({list})"),
        ])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(
        text.lines()
            .filter_map(|l| {
                let (k, v) = l.split_once('\t')?;
                Some((k.to_string(), v.trim().parse().ok()?))
            })
            .collect(),
    )
}

impl super::sampler::Timed for InnodbSecond {
    fn t(&self) -> f64 {
        self.t
    }
}

/// Samples the server on `port` once a second until stopped.
pub fn start(port: u16, origin: Instant) -> super::sampler::Sampler<InnodbSecond> {
    let mut last = read(port);
    super::sampler::Sampler::every_second(move || {
        let now = read(port)?;
        let before = last.replace(now.clone())?;
        let get = |m: &HashMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(0.0);
        let delta = |k: &str| get(&now, k) - get(&before, k);
        Some(InnodbSecond {
            t: origin.elapsed().as_secs_f64(),
            disk_reads: delta(NAMES[0]),
            pages_flushed: delta(NAMES[1]),
            free_waits: delta(NAMES[2]),
            checkpoint_share: get(&now, NAMES[3]) / get(&now, NAMES[4]).max(1.0),
            history: get(&now, NAMES[5]),
        })
    })
}

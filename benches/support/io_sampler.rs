//! The machine's disk, second by second, beside a load's latency: what the kernel wrote
//! (MB/s), how long a write and a flush (the fsync a commit waits on) took on average, and
//! how much dirty page cache waited to be written. Read from `/proc/diskstats` and
//! `/proc/meminfo`; on a machine without them the samples are empty.

use std::time::Instant;

/// One second of the disk (`t`: seconds since the run's origin, at the second's end).
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskSecond {
    pub t: f64,
    pub write_mb: f64,
    pub write_ms: f64,
    pub flush_ms: f64,
    pub dirty_mb: f64,
}

/// The counters of `/proc/diskstats` this needs, summed over whole disks.
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    sectors_written: u64,
    writes: u64,
    ms_writing: u64,
    flushes: u64,
    ms_flushing: u64,
}

fn read_counters() -> Option<Counters> {
    let text = std::fs::read_to_string("/proc/diskstats").ok()?;
    let mut c = Counters::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // Whole virtual or SCSI disks only (a partition's writes are its disk's too).
        let name = f.get(2)?;
        let whole = (name.starts_with("vd") || name.starts_with("sd") || name.starts_with("xvd"))
            && !name.ends_with(|ch: char| ch.is_ascii_digit())
            || (name.starts_with("nvme") && !name.contains('p'));
        if !whole {
            continue;
        }
        let n = |i: usize| {
            f.get(i + 3)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        c.writes += n(4);
        c.sectors_written += n(6);
        c.ms_writing += n(7);
        c.flushes += n(15);
        c.ms_flushing += n(16);
    }
    Some(c)
}

fn dirty_mb() -> f64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kb: u64 = text
        .lines()
        .filter(|l| l.starts_with("Dirty:") || l.starts_with("Writeback:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum();
    kb as f64 / 1024.0
}

impl super::sampler::Timed for DiskSecond {
    fn t(&self) -> f64 {
        self.t
    }
}

/// Samples the disk once a second until stopped.
pub fn start(origin: Instant) -> super::sampler::Sampler<DiskSecond> {
    let mut last = read_counters();
    super::sampler::Sampler::every_second(move || {
        let now = read_counters()?;
        let before = last.replace(now)?;
        let per = |done: u64, ms: u64| {
            if done == 0 {
                0.0
            } else {
                ms as f64 / done as f64
            }
        };
        Some(DiskSecond {
            t: origin.elapsed().as_secs_f64(),
            write_mb: (now.sectors_written - before.sectors_written) as f64 * 512.0 / 1e6,
            write_ms: per(
                now.writes - before.writes,
                now.ms_writing - before.ms_writing,
            ),
            flush_ms: per(
                now.flushes - before.flushes,
                now.ms_flushing - before.ms_flushing,
            ),
            dirty_mb: dirty_mb(),
        })
    })
}

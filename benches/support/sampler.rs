//! A reading taken once a second on a thread of its own until stopped, and the reading
//! nearest a moment: what the disk and InnoDB samplers share.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A reading with the moment its second ended (seconds since the run's origin).
pub trait Timed {
    fn t(&self) -> f64;
}

pub struct Sampler<T> {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<T>>,
}

impl<T: Send + 'static> Sampler<T> {
    /// Calls `sample` once a second; a `None` ends the sampling.
    pub fn every_second(mut sample: impl FnMut() -> Option<T> + Send + 'static) -> Sampler<T> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut next = Instant::now() + Duration::from_secs(1);
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
                next += Duration::from_secs(1);
                let Some(reading) = sample() else { break };
                out.push(reading);
            }
            out
        });
        Sampler { stop, thread }
    }

    pub fn stop(self) -> Vec<T> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// The reading whose second ends nearest `t` (within 0.75 s).
pub fn nearest<T: Timed>(samples: &[T], t: f64) -> Option<&T> {
    samples
        .iter()
        .min_by(|a, b| (a.t() - t).abs().total_cmp(&(b.t() - t).abs()))
        .filter(|s| (s.t() - t).abs() <= 0.75)
}

//! Latency statistics over timed samples: nearest-rank percentiles, median, maximum, and
//! the formatting of durations and ratios for the report.

use std::time::{Duration, Instant};

/// A set of timed samples, sorted once so percentiles are cheap to read.
#[derive(Debug, Clone)]
pub struct Samples {
    sorted: Vec<Duration>,
}

impl Samples {
    /// Sorts `samples`; there must be at least one.
    pub fn new(mut samples: Vec<Duration>) -> anyhow::Result<Samples> {
        anyhow::ensure!(!samples.is_empty(), "no samples were taken");
        samples.sort_unstable();
        Ok(Samples { sorted: samples })
    }

    /// The `p`-th percentile (0 < p ≤ 100) by the nearest-rank method: the smallest
    /// sample such that at least p % of the samples are at or below it.
    pub fn percentile(&self, p: u32) -> Duration {
        let n = self.sorted.len();
        let rank = (n * p as usize).div_ceil(100).clamp(1, n);
        self.sorted[rank - 1]
    }

    /// The median (50th percentile).
    pub fn median(&self) -> Duration {
        self.percentile(50)
    }

    /// Every sample, fastest first.
    pub fn sorted(&self) -> &[Duration] {
        &self.sorted
    }

    /// The slowest sample.
    pub fn max(&self) -> Duration {
        self.sorted[self.sorted.len() - 1]
    }
}

/// Runs `f` and returns its result with the wall-clock time it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// `till / bare` as a plain number (how many times slower Till is).
pub fn ratio(till: Duration, bare: Duration) -> f64 {
    let bare = bare.as_secs_f64();
    if bare > 0.0 { till.as_secs_f64() / bare } else { f64::INFINITY }
}

/// A duration in the unit that reads best: µs below a millisecond, ms below a second,
/// seconds above.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1e-3 {
        format!("{:.1} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

/// A duration in microseconds, for the JSON output.
pub fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() -> anyhow::Result<()> {
        let s = Samples::new((1..=100).rev().map(Duration::from_micros).collect())?;
        assert_eq!(s.percentile(50), Duration::from_micros(50));
        assert_eq!(s.percentile(99), Duration::from_micros(99));
        assert_eq!(s.percentile(100), Duration::from_micros(100));
        assert_eq!(s.max(), Duration::from_micros(100));
        let one = Samples::new(vec![Duration::from_millis(3)])?;
        assert_eq!(one.percentile(1), Duration::from_millis(3));
        assert_eq!(one.percentile(99), Duration::from_millis(3));
        Ok(())
    }
}

//! Rate limits ([`RateLimit`]): a pace shared by every transfer that
//! holds a clone, so a mirror's connections share one total.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A transfer rate limit in bytes a second (curl's `--limit-rate`),
/// shared by its clones: transfers holding clones of one limit share its
/// rate, so a mirror's connections stay within one total.
///
/// It paces bytes, not bursts: each block is booked at the rate after the
/// one before it, and a block waits for its turn; a transfer idle for a
/// while saves no credit, so it never sends a whole window at once after
/// a pause. Blocks are at most a twentieth of a second's worth
/// ([`RateLimit::block`]), so the average holds over any window longer
/// than that.
///
/// ```
/// let limit = ftp_std::RateLimit::parse("2M").unwrap();
/// assert_eq!(limit.bytes_per_second(), 2 << 20);
/// assert_eq!(ftp_std::RateLimit::parse("100K").unwrap().bytes_per_second(), 102_400);
/// assert!(ftp_std::RateLimit::parse("fast").is_err());
/// ```
#[derive(Clone, Debug)]
pub struct RateLimit {
    rate: u64,
    /// When the next block may start.
    next: Arc<Mutex<Option<Instant>>>,
}

impl RateLimit {
    /// A limit of `bytes_per_second` (at least 1).
    pub fn new(bytes_per_second: u64) -> RateLimit {
        RateLimit {
            rate: bytes_per_second.max(1),
            next: Arc::new(Mutex::new(None)),
        }
    }

    /// curl's spelling: a number of bytes a second, with `K`, `M` or `G`
    /// (powers of 1024, either case) after it: `100K`, `2M`, `1.5M`.
    pub fn parse(text: &str) -> Result<RateLimit, String> {
        let text = text.trim();
        let (number, unit) = match text.char_indices().last() {
            Some((at, c)) if c.is_ascii_alphabetic() => (&text[..at], Some(c)),
            _ => (text, None),
        };
        let scale: f64 = match unit.map(|c| c.to_ascii_uppercase()) {
            None => 1.0,
            Some('K') => 1024.0,
            Some('M') => 1024.0 * 1024.0,
            Some('G') => 1024.0 * 1024.0 * 1024.0,
            Some(other) => return Err(format!("{text:?}: {other} is no unit (K, M or G)")),
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("{text:?} is no rate (a number of bytes a second: 100K, 2M)"))?;
        let rate = value * scale;
        if !(1.0..=1e15).contains(&rate) {
            return Err(format!(
                "{text:?} is out of range (1 byte to 1 PB a second)"
            ));
        }
        Ok(RateLimit::new(rate as u64))
    }

    /// The rate, in bytes a second.
    pub fn bytes_per_second(&self) -> u64 {
        self.rate
    }

    /// The most a block should carry: a twentieth of a second's worth, at
    /// least 1 KiB, at most `buf`.
    pub fn block(&self, buf: usize) -> usize {
        usize::try_from(self.rate / 20)
            .unwrap_or(usize::MAX)
            .max(1024)
            .min(buf)
            .max(1)
    }

    /// Books `n` bytes now: how long to wait before moving them.
    pub(crate) fn book(&self, n: usize) -> Duration {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let (wait, after) = pace(*next, Instant::now(), n as u64, self.rate);
        *next = Some(after);
        wait
    }
}

/// The pace's rule: a block of `n` bytes starts at `next` or now, which
/// is later (an idle limit saves nothing), and the one after it
/// `n / rate` seconds later. Returns the wait and the next start.
fn pace(next: Option<Instant>, now: Instant, n: u64, rate: u64) -> (Duration, Instant) {
    let start = next.filter(|t| *t > now).unwrap_or(now);
    let cost = Duration::from_secs_f64(n as f64 / rate as f64);
    (start - now, start + cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_each_other_at_the_rate() {
        let t0 = Instant::now();
        // 100 blocks of 10 000 bytes at 100 000 B/s, booked at once: the
        // last starts 9.9 s later, the pace ends at 10 s.
        let mut next = None;
        let mut waits = Vec::new();
        for _ in 0..100 {
            let (wait, after) = pace(next, t0, 10_000, 100_000);
            waits.push(wait);
            next = Some(after);
        }
        assert_eq!(waits[0], Duration::ZERO);
        assert_eq!(waits[1], Duration::from_millis(100));
        assert!((waits[99].as_secs_f64() - 9.9).abs() < 1e-6);
        assert!((next.unwrap() - t0).as_secs_f64() - 10.0 < 1e-6);
    }

    #[test]
    fn an_idle_limit_saves_no_credit() {
        let t0 = Instant::now();
        let (_, after) = pace(None, t0, 1000, 1000);
        // Ten seconds idle: the next block goes at once, and the one
        // after it waits its whole cost again (no burst of saved time).
        let later = t0 + Duration::from_secs(10);
        let (wait, after) = pace(Some(after), later, 1000, 1000);
        assert_eq!(wait, Duration::ZERO);
        let (wait, _) = pace(Some(after), later, 1000, 1000);
        assert_eq!(wait, Duration::from_secs(1));
    }

    #[test]
    fn spellings() {
        for (text, rate) in [
            ("2048", 2048),
            ("100K", 102_400),
            ("100k", 102_400),
            ("2M", 2 << 20),
            ("1.5M", 1_572_864),
            ("1G", 1 << 30),
        ] {
            assert_eq!(
                RateLimit::parse(text).unwrap().bytes_per_second(),
                rate,
                "{text}"
            );
        }
        for bad in ["", "M", "2X", "-1K", "0", "fast", "1e20"] {
            assert!(RateLimit::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blocks_are_a_twentieth_of_a_second() {
        let limit = RateLimit::new(2 << 20);
        assert_eq!(limit.block(1 << 20), (2 << 20) / 20);
        assert_eq!(limit.block(4096), 4096);
        assert_eq!(RateLimit::new(100).block(65536), 1024);
    }
}

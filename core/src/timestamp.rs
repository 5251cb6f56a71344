//! Timestamps of RFC 3659 (MDTM replies, MLSD `modify` facts):
//! `YYYYMMDDHHMMSS[.sss]`, always UTC.

use core::fmt;

use crate::fault::ProtocolError;

/// A UTC time as FTP servers give it, with validated fields.
///
/// ```
/// use ftp_core::Timestamp;
/// let t = Timestamp::parse(b"20240229123456.5").unwrap();
/// assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second), (2024, 2, 29, 12, 34, 56));
/// assert_eq!(t.nanos, 500_000_000);
/// assert_eq!(t.unix_seconds(), 1709210096);
/// assert_eq!(t.to_string(), "20240229123456.5");
/// assert!(Timestamp::parse(b"20230229000000").is_err()); // not a leap year
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Timestamp {
    /// Year, 0 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 60 (a leap second).
    pub second: u8,
    /// Fraction of the second, in nanoseconds.
    pub nanos: u32,
}

fn digits(text: &[u8]) -> Option<u32> {
    if !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        text.iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')),
    )
}

const fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

const fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
const fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Timestamp {
    /// Parses `YYYYMMDDHHMMSS` with an optional `.` and 1 to 9 fraction
    /// digits. Surrounding whitespace is allowed.
    pub fn parse(text: &[u8]) -> Result<Timestamp, ProtocolError> {
        let bad = ProtocolError::BadTimestamp;
        let text = text.trim_ascii();
        let (main, frac) = match text.iter().position(|&b| b == b'.') {
            Some(dot) => (&text[..dot], Some(&text[dot + 1..])),
            None => (text, None),
        };
        if main.len() != 14 {
            return Err(bad);
        }
        let field = |r: core::ops::Range<usize>| digits(&main[r]).ok_or(bad);
        let t = Timestamp {
            year: field(0..4)? as u16,
            month: field(4..6)? as u8,
            day: field(6..8)? as u8,
            hour: field(8..10)? as u8,
            minute: field(10..12)? as u8,
            second: field(12..14)? as u8,
            nanos: match frac {
                None => 0,
                Some(f) if (1..=9).contains(&f.len()) => {
                    digits(f).ok_or(bad)? * 10u32.pow(9 - f.len() as u32)
                }
                Some(_) => return Err(bad),
            },
        };
        if !(1..=12).contains(&t.month)
            || t.day == 0
            || t.day > days_in_month(i64::from(t.year), t.month)
            || t.hour > 23
            || t.minute > 59
            || t.second > 60
        {
            return Err(bad);
        }
        Ok(t)
    }

    /// Seconds since 1970-01-01T00:00:00Z (a leap second counts as the
    /// next second).
    pub fn unix_seconds(&self) -> i64 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The time at `secs` seconds since 1970-01-01T00:00:00Z, if its year
    /// is from 0 to 9999.
    ///
    /// ```
    /// use ftp_core::Timestamp;
    /// let t = Timestamp::from_unix_seconds(1709210096).unwrap();
    /// assert_eq!(t.to_string(), "20240229123456");
    /// ```
    pub fn from_unix_seconds(secs: i64) -> Option<Timestamp> {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Inverse of days_from_civil.
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Some(Timestamp {
            year: u16::try_from(year).ok().filter(|y| *y <= 9999)?,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
            nanos: 0,
        })
    }
}

/// `YYYYMMDDHHMMSS`, with the fraction when it is not zero.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanos != 0 {
            let mut frac = self.nanos;
            let mut width = 9;
            while frac.is_multiple_of(10) {
                frac /= 10;
                width -= 1;
            }
            write!(f, ".{frac:0width$}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn mdtm_shapes() {
        let t = Timestamp::parse(b"19700101000000").unwrap();
        assert_eq!(t.unix_seconds(), 0);
        let t = Timestamp::parse(b" 20001231235959.123 ").unwrap();
        assert_eq!(t.nanos, 123_000_000);
        assert_eq!(t.to_string(), "20001231235959.123");
        let t = Timestamp::parse(b"20161231235960").unwrap();
        assert_eq!(t.second, 60);
        assert_eq!(
            Timestamp::parse(b"20000101000000.000000001").unwrap().nanos,
            1
        );
    }

    #[test]
    fn rejects_bad_timestamps() {
        for bad in [
            &b""[..],
            b"2024",
            b"191000101000000", // the old Y2K bug of some servers
            b"20241301000000",
            b"20240100000000",
            b"20240431000000",
            b"20240101240000",
            b"20240101006000",
            b"20240101000061",
            b"2024010100000a",
            b"20240101000000.",
            b"20240101000000.1234567890",
            b"+2024010100000",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unix_round_trip() {
        for secs in [0i64, 951_782_400, 1_709_210_096, 4_102_444_800, -86_400] {
            let t = Timestamp::from_unix_seconds(secs).unwrap();
            assert_eq!(t.unix_seconds(), secs);
        }
        assert!(Timestamp::from_unix_seconds(i64::MIN / 2).is_none());
    }
}

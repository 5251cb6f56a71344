//! Protocol bytes shown to people: lossy UTF-8 display without allocating.

use core::fmt;

/// Bytes from the wire (reply text, a listing line, a file name), shown as
/// UTF-8 with invalid sequences replaced by U+FFFD.
///
/// Nothing is copied; it implements `Display` (and `defmt::Format` with the
/// `defmt` feature), which is how the crate logs and prints server text.
///
/// ```
/// use ftp_core::Text;
/// assert_eq!(format!("{}", Text(b"caf\xc3\xa9 \xff")), "caf\u{e9} \u{fffd}");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Text<'a>(pub &'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                write!(f, "{}", c.escape_debug())?;
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Text<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=[u8]:a}", self.0)
    }
}

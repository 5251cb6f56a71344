//! `open(path, mode)`: a script's local file object (`read`, `readline`,
//! `write`, `close`), as Python's `open`, under the same sandbox as every
//! other local access. A file left open is flushed and closed when the
//! script ends (its last reference goes).

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::rc::Rc;

use rhai::{Blob, Dynamic, INT};

use crate::errors::{Rr, local_io, usage};
use crate::sandbox::Sandbox;

/// A script's open file; copies share it (`let out = open(..); f(out)`).
#[derive(Clone)]
pub struct ScriptFile(Rc<RefCell<State>>);

struct State {
    /// The path as the script gave it, for errors.
    name: String,
    /// `b` in the mode: bytes (blobs) rather than text.
    binary: bool,
    io: Io,
}

enum Io {
    Reading(BufReader<File>),
    Writing(BufWriter<File>),
    Closed,
}

impl ScriptFile {
    /// Opens `path` with Python's `mode`: `r`, `w`, `a`, each with `b`
    /// for bytes (`rb`, `wb`, `ab`).
    pub fn open(sandbox: &mut Sandbox, path: &str, mode: &str) -> Rr<ScriptFile> {
        let binary = mode.contains('b');
        let kind = mode.replace('b', "");
        // Write modes resolve the whole path too: a link planted under the
        // name is followed only when its target is inside.
        let real = sandbox.resolve(path)?;
        let io = match kind.as_str() {
            "r" => Io::Reading(BufReader::new(
                File::open(&real).map_err(|e| local_io(path, e))?,
            )),
            "w" | "a" => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(kind == "w")
                    .append(kind == "a")
                    .open(&real)
                    .map_err(|e| local_io(path, e))?;
                Io::Writing(BufWriter::new(file))
            }
            _ => {
                return Err(usage(format!(
                    "open({path:?}, {mode:?}): the mode is r, w or a, with b for bytes"
                )));
            }
        };
        Ok(ScriptFile(Rc::new(RefCell::new(State {
            name: path.to_string(),
            binary,
            io,
        }))))
    }

    /// `write(data)`: a blob or a string; the bytes written.
    pub fn write(&mut self, data: Dynamic) -> Rr<INT> {
        let bytes: Vec<u8> = if data.is_blob() {
            data.cast::<Blob>()
        } else if data.is_string() {
            data.cast::<String>().into_bytes()
        } else {
            return Err(usage(format!(
                "write() takes a blob or a string, not a {}",
                data.type_name()
            )));
        };
        self.write_bytes(&bytes)?;
        Ok(bytes.len() as INT)
    }

    /// Writes `bytes` (a download's block).
    pub fn write_bytes(&mut self, bytes: &[u8]) -> Rr<()> {
        let mut state = self.0.borrow_mut();
        let State { name, io, .. } = &mut *state;
        match io {
            Io::Writing(w) => w.write_all(bytes).map_err(|e| local_io(name, e)),
            Io::Reading(_) => Err(usage(format!("{name:?} is open for reading"))),
            Io::Closed => Err(usage(format!("{name:?} is closed"))),
        }
    }

    /// Reads up to `buf.len()` bytes (an upload's block); 0 at the end.
    pub fn read_into(&mut self, buf: &mut [u8]) -> Rr<usize> {
        let mut state = self.0.borrow_mut();
        let State { name, io, .. } = &mut *state;
        match io {
            Io::Reading(r) => r.read(buf).map_err(|e| local_io(name, e)),
            Io::Writing(_) => Err(usage(format!("{name:?} is open for writing"))),
            Io::Closed => Err(usage(format!("{name:?} is closed"))),
        }
    }

    /// `read()`: the rest of the file; `read(n)`: at most `n` bytes. A
    /// blob in a `b` mode, else text.
    pub fn read(&mut self, limit: Option<INT>) -> Rr<Dynamic> {
        let mut out = Vec::new();
        {
            let mut state = self.0.borrow_mut();
            let State { name, io, .. } = &mut *state;
            let Io::Reading(r) = io else {
                return Err(usage(format!("{name:?} is not open for reading")));
            };
            match limit {
                Some(n) => {
                    let n = u64::try_from(n).unwrap_or(0);
                    r.take(n).read_to_end(&mut out)
                }
                None => r.read_to_end(&mut out),
            }
            .map_err(|e| local_io(name, e))?;
        }
        Ok(self.value(out))
    }

    /// `readline()`: the next line with its `\n` (empty at the end).
    pub fn readline(&mut self) -> Rr<Dynamic> {
        let mut out = Vec::new();
        {
            let mut state = self.0.borrow_mut();
            let State { name, io, .. } = &mut *state;
            let Io::Reading(r) = io else {
                return Err(usage(format!("{name:?} is not open for reading")));
            };
            r.read_until(b'\n', &mut out)
                .map_err(|e| local_io(name, e))?;
        }
        Ok(self.value(out))
    }

    fn value(&self, bytes: Vec<u8>) -> Dynamic {
        if self.0.borrow().binary {
            Dynamic::from_blob(bytes)
        } else {
            String::from_utf8_lossy(&bytes).into_owned().into()
        }
    }

    /// `close()`: flushes what was written; a second close does nothing.
    pub fn close(&mut self) -> Rr<()> {
        let mut state = self.0.borrow_mut();
        let io = std::mem::replace(&mut state.io, Io::Closed);
        if let Io::Writing(mut w) = io {
            w.flush().map_err(|e| local_io(&state.name, e))?;
        }
        Ok(())
    }
}

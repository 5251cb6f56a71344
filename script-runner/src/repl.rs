//! The interactive session, as the reference's `>>>` one: a statement at a
//! prompt, its value shown (a reply as its text, a listing's lines, `()`
//! as nothing), line editing and a history file (rustyline), completion
//! of function names and, inside a string, of the names in the current
//! remote directory; a block left open continues on the next line; an
//! error prints and the session goes on; Ctrl-C clears the line at the
//! prompt and stops a statement at work (a transfer: its data connection
//! is dropped and the final reply read, the session goes on); Ctrl-D ends
//! the session (QUIT is sent).

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use rhai::{AST, Dynamic, Engine, ParseErrorType, Scope};
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::runner::Runner;

/// What Tab completes: the engine's function names, and in a string the
/// remote names of the session's current directory (listed once, again
/// after each statement).
struct Names {
    words: Vec<String>,
    runner: Rc<RefCell<Runner>>,
    remote: RefCell<Option<Vec<String>>>,
}

impl Names {
    fn remote_names(&self) -> Vec<String> {
        if let Some(names) = &*self.remote.borrow() {
            return names.clone();
        }
        let names = match self.runner.try_borrow_mut() {
            Ok(mut r) => r.remote_names().unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        *self.remote.borrow_mut() = Some(names.clone());
        names
    }
}

impl Completer for Names {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = &line[..pos];
        // Inside a string: the last word of it is a remote name
        // ("RETR REA" completes "README").
        if before.matches('"').count() % 2 == 1 {
            let quote = before.rfind('"').map_or(0, |i| i + 1);
            let start = quote + before[quote..].rfind(' ').map_or(0, |i| i + 1);
            let partial = &before[start..];
            let found = self
                .remote_names()
                .into_iter()
                .filter(|n| n.starts_with(partial))
                .collect();
            return Ok((start, found));
        }
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let partial = &before[start..];
        let found = self
            .words
            .iter()
            .filter(|w| w.starts_with(partial))
            .cloned()
            .collect();
        Ok((start, found))
    }
}

impl Hinter for Names {
    type Hint = String;
}

impl Highlighter for Names {}

impl Validator for Names {}

impl Helper for Names {}

/// The history file: `$FTP_SCRIPT_HISTORY`, else `~/.ftp_script_history`.
fn history_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FTP_SCRIPT_HISTORY") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ftp_script_history"))
}

/// True when the parse error says the input stopped too early (a block or
/// a call left open): the next line continues it.
fn incomplete(e: &rhai::ParseError) -> bool {
    matches!(
        e.err_type(),
        ParseErrorType::UnexpectedEOF | ParseErrorType::MissingToken(..)
    )
}

/// Shows a value as the reference's session does: text as it is, a list
/// one item a line, `()` as nothing.
fn show(value: &Dynamic) {
    if value.is_unit() {
        return;
    }
    if let Some(items) = value.read_lock::<rhai::Array>() {
        for item in items.iter() {
            println!("{item}");
        }
        return;
    }
    println!("{value}");
}

/// Runs the session until Ctrl-D (or the end of input).
pub(crate) fn run(
    engine: &mut Engine,
    scope: &mut Scope,
    runner: &Rc<RefCell<Runner>>,
    cancel: &ftp_std::Cancel,
) -> ExitCode {
    // While a statement runs, Ctrl-C raises the flag instead of ending
    // the runner (at the prompt the terminal is raw: rustyline reads it
    // as a key). Transfers see it through their options; a script loop
    // through the engine's progress hook.
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGINT, cancel.flag()) {
        eprintln!("warning: Ctrl-C will end the session ({e})");
    }
    let flag = cancel.clone();
    engine.on_progress(move |_| {
        flag.is_cancelled()
            .then(|| Dynamic::from("interrupted".to_string()))
    });
    let words = crate::help::FUNCTIONS
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    let mut editor = match Editor::<Names, DefaultHistory>::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: no terminal to read from: {e}");
            return ExitCode::from(2);
        }
    };
    editor.set_helper(Some(Names {
        words,
        runner: runner.clone(),
        remote: RefCell::new(None),
    }));
    let history = history_file();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let mut functions = AST::empty();
    let mut input = String::new();
    loop {
        let prompt = if input.is_empty() { ">>> " } else { "... " };
        match editor.readline(prompt) {
            Ok(line) => {
                input.push_str(&line);
                input.push('\n');
                let ast = match engine.compile_with_scope(scope, &input) {
                    Err(e) if incomplete(&e) => continue,
                    Err(e) => {
                        eprintln!("error: {e}");
                        input.clear();
                        continue;
                    }
                    Ok(ast) => ast,
                };
                let _ = editor.add_history_entry(input.trim_end());
                input.clear();
                cancel.reset();
                // Functions defined earlier stay callable.
                functions = functions.merge(&ast.clone_functions_only());
                let all = functions.merge(&ast);
                match engine.eval_ast_with_scope::<Dynamic>(scope, &all) {
                    Ok(value) => show(&value),
                    Err(e) => eprintln!("error: {}", crate::errors::describe(&e)),
                }
                if let Some(helper) = editor.helper() {
                    *helper.remote.borrow_mut() = None;
                }
            }
            // Ctrl-C at the prompt: the line (and a block begun) goes.
            Err(ReadlineError::Interrupted) => input.clear(),
            // Ctrl-D: the end.
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    ExitCode::SUCCESS
}

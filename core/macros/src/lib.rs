//! Two attributes for code written once in async shape and compiled
//! twice (the idea of the `bisync` crate, in a few lines with no
//! dependencies): a module that imports [`macro@blocking`] under the name
//! `bisync` gets every `async` and `.await` of the marked items removed
//! (and `AsyncFnMut` bounds made `FnMut`); one that imports
//! [`macro@asynch`] gets them as written.
//!
//! ```text
//! #[path = "twin"] mod blocking { use ftp_core_macros::blocking as bisync; mod session; }
//! #[path = "twin"] mod asynch { use ftp_core_macros::asynch as bisync; mod session; }
//! // twin/session.rs
//! use super::bisync;
//! #[bisync]
//! pub async fn noop<S: Read + Write>(s: &mut S) -> Result<(), S::Error> {
//!     s.write_all(b"NOOP\r\n").await
//! }
//! ```
//!
//! Shared code must not use `async` blocks or closures (`async move {}`):
//! stripped, they would not be blocks of the same meaning. An item that
//! only one twin has is marked `#[bisync(blocking)]` or
//! `#[bisync(asynch)]` (a blocking connector's way to watch the control
//! connection, which the async twin does with a `select`).

use proc_macro::{Group, TokenStream, TokenTree};

/// The item as written: the async twin. `#[bisync(blocking)]` marks an
/// item of the blocking twin only: here it is left out.
#[proc_macro_attribute]
pub fn asynch(args: TokenStream, item: TokenStream) -> TokenStream {
    if only(&args) == Some("blocking") {
        return TokenStream::new();
    }
    item
}

/// The item with every `async` keyword and `.await` removed, and the
/// bounds `AsyncFn`, `AsyncFnMut`, `AsyncFnOnce` made `Fn`, `FnMut`,
/// `FnOnce`: the blocking twin. `#[bisync(asynch)]` marks an item of the
/// async twin only: here it is left out.
#[proc_macro_attribute]
pub fn blocking(args: TokenStream, item: TokenStream) -> TokenStream {
    if only(&args) == Some("asynch") {
        return TokenStream::new();
    }
    strip(item)
}

/// The twin an item is kept in, when the attribute names one
/// (`#[bisync(blocking)]`, `#[bisync(asynch)]`).
fn only(args: &TokenStream) -> Option<&'static str> {
    let mut trees = args.clone().into_iter();
    let name = match trees.next() {
        Some(TokenTree::Ident(i)) => i.to_string(),
        _ => return None,
    };
    match name.as_str() {
        "blocking" => Some("blocking"),
        "asynch" => Some("asynch"),
        _ => None,
    }
}

fn is_ident(tree: Option<&TokenTree>, name: &str) -> bool {
    matches!(tree, Some(TokenTree::Ident(i)) if i.to_string() == name)
}

fn strip(stream: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        match &trees[i] {
            TokenTree::Ident(id) if id.to_string() == "async" => {}
            TokenTree::Ident(id) if id.to_string().starts_with("AsyncFn") => {
                let name = id.to_string();
                let plain = proc_macro::Ident::new(&name["Async".len()..], id.span());
                out.push(TokenTree::Ident(plain));
            }
            TokenTree::Punct(p) if p.as_char() == '.' && is_ident(trees.get(i + 1), "await") => {
                i += 1;
            }
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), strip(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// A test written once in async shape, blocking twin: `async` and
/// `.await` removed, and `#[test]` added. With an executor named
/// (`#[blocking_test(run)]`), the body's value goes through it, as the
/// async twin's future does (`run(..)`: the blocking side's is the
/// identity).
#[proc_macro_attribute]
pub fn blocking_test(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut out: TokenStream = "#[test]".parse().unwrap_or_default();
    let executor = args.to_string();
    if executor.trim().is_empty() {
        out.extend(strip(item));
        return out;
    }
    let mut trees: Vec<TokenTree> = strip(item).into_iter().collect();
    let Some(TokenTree::Group(body)) = trees.pop() else {
        return "compile_error!(\"blocking_test: a function with a body\");"
            .parse()
            .unwrap_or_default();
    };
    out.extend(trees);
    out.extend([run_with(
        &executor,
        TokenStream::from(TokenTree::Group(body)),
    )]);
    out
}

/// `{ (executor)(argument) }`, the argument's tokens kept as they are (with
/// their spans: lints and errors point into the test's body).
fn run_with(executor: &str, argument: TokenStream) -> TokenTree {
    let mut call: TokenStream = format!("({executor})").parse().unwrap_or_default();
    call.extend([TokenTree::Group(Group::new(
        proc_macro::Delimiter::Parenthesis,
        argument,
    ))]);
    TokenTree::Group(Group::new(proc_macro::Delimiter::Brace, call))
}

/// A test written once in async shape, async twin: a `#[test]` function
/// that runs the body with `ftp_core::doc_support::block_on`, or with the
/// executor the attribute names (`#[asynch_test(run)]`: `run(async move
/// { .. })`, `run` as the test's module has it; the blocking twin's
/// `blocking_test(run)` ignores the name).
#[proc_macro_attribute]
pub fn asynch_test(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut trees: Vec<TokenTree> = item.into_iter().collect();
    let body = trees.pop();
    let mut out: TokenStream = "#[test]".parse().unwrap_or_default();
    out.extend(
        trees
            .into_iter()
            .filter(|t| !matches!(t, TokenTree::Ident(i) if i.to_string() == "async")),
    );
    let Some(TokenTree::Group(body)) = body else {
        return "compile_error!(\"asynch_test: a function with a body\");"
            .parse()
            .unwrap_or_default();
    };
    let executor = match args.to_string() {
        named if !named.trim().is_empty() => named,
        _ => "::ftp_core::doc_support::block_on".to_string(),
    };
    let mut future: TokenStream = "async move".parse().unwrap_or_default();
    future.extend([TokenTree::Group(body)]);
    out.extend([run_with(&executor, future)]);
    out
}

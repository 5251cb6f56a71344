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
//! stripped, they would not be blocks of the same meaning.

use proc_macro::{Group, TokenStream, TokenTree};

/// The item as written: the async twin.
#[proc_macro_attribute]
pub fn asynch(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// The item with every `async` keyword and `.await` removed, and the
/// bounds `AsyncFn`, `AsyncFnMut`, `AsyncFnOnce` made `Fn`, `FnMut`,
/// `FnOnce`: the blocking twin.
#[proc_macro_attribute]
pub fn blocking(_args: TokenStream, item: TokenStream) -> TokenStream {
    strip(item)
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
/// `.await` removed, and `#[test]` added.
#[proc_macro_attribute]
pub fn blocking_test(_args: TokenStream, item: TokenStream) -> TokenStream {
    let mut out: TokenStream = "#[test]".parse().unwrap_or_default();
    out.extend(strip(item));
    out
}

/// A test written once in async shape, async twin: a `#[test]` function
/// that runs the body with `ftp_core::doc_support::block_on`.
#[proc_macro_attribute]
pub fn asynch_test(_args: TokenStream, item: TokenStream) -> TokenStream {
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
    let wrapped = format!("{{ ::ftp_core::doc_support::block_on(async move {body}) }}");
    out.extend(wrapped.parse::<TokenStream>().unwrap_or_default());
    out
}

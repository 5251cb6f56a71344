//! The bulk layer: work over many files or many connections (mirrors
//! both ways, segmented downloads), on top of sessions and file helpers.

pub(crate) mod crew;
pub(crate) mod mirror;

/// A pool's connect function from a URL and [`crate::Options`]: each
/// session connects and logs in as `Ftp::open` does (the URL's
/// credentials, else `~/.netrc`, else anonymous), on either runtime.
#[derive(Clone, Debug)]
pub struct UrlConnect {
    url: crate::Url,
    options: crate::Options,
}

impl UrlConnect {
    /// Sessions to `url` with `options`.
    pub fn new(url: &crate::Url, options: &crate::Options) -> Self {
        UrlConnect {
            url: url.clone(),
            options: options.clone(),
        }
    }

    /// Where the sessions go.
    pub fn url(&self) -> &crate::Url {
        &self.url
    }

    /// With what options.
    pub fn options(&self) -> &crate::Options {
        &self.options
    }
}

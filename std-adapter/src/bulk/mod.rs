//! The bulk layer: work over many files or many connections (mirrors
//! both ways, segmented downloads), on top of sessions and file helpers.

pub(crate) mod crew;
pub(crate) mod mirror;

//! Helpers for the interop tests (real servers on loopback); they arrive
//! with the std adapter.

//! Runnable examples; the binaries arrive with the std adapter and runner.

//! End-to-end tests of the example app live in `tests/`; this crate has no code of its own.

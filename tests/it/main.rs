//! The integration tests, in one binary: each module tests one part of
//! chaff through its library or its command line (run in-process), and
//! `support` holds what they share.

mod support;

mod batch;
mod check;
mod cli;
mod eval;
mod generate;
mod golden;
mod invariants;
mod matching;
mod parquet;
mod rule_errors;
mod schema;
mod suggest;

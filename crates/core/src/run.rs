//! A run from the outside: scenario files, the report, share links, the built-in demo, and the
//! trace with its hash.

pub mod demo;
pub mod report;
pub mod scenario;
pub mod share;
pub mod trace;

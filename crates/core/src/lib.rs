//! Fazhi's domain core: the types and rules every other crate builds on.
//!
//! This crate owns identifiers and codes (regions per GB/T 2260, user names), the
//! organisation model (departments, roles, grants), permission checks, the canonical form
//! of events and the hash chain that makes the event log tamper-evident, and checkpoint
//! signatures. It does no I/O: no files, no network, no database, no clock, no randomness.
//! Everything here is deterministic, so most unit and property tests live here.
#![forbid(unsafe_code)]

pub mod amend;
pub mod authz;
pub mod calendar;
pub mod checkpoint;
pub mod codes;
pub mod disclosure;
pub mod engine;
pub mod evaluation;
pub mod event;
pub mod org;
pub mod penalty;
pub mod procedure;
pub mod receipt;
pub mod region;
pub mod rules;
pub mod time;

pub use authz::Principal;
pub use event::{EventRecord, NewEvent, Subject};
pub use org::{DepartmentKind, Grant, Role, UserName};
pub use region::RegionCode;
pub use time::Timestamp;

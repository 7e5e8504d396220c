//! Types that cross a boundary between Lepton's parts: the REST API bodies ([`account`],
//! [`dataset`], [`profile`], [`job`], [`registry`], [`search`]) and the Lab's experiments,
//! results, model files and the messages between the Lab page and its training worker
//! ([`lab`]).
//!
//! Everything here is plain serde data with no dependency on burn, so the dashboard's bundle
//! can use it without carrying the model code.

pub mod account;
pub mod dataset;
pub mod job;
pub mod lab;
pub mod production;
pub mod profile;
pub mod registry;
pub mod search;
pub mod telemetry;

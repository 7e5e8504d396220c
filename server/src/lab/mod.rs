//! Models uploaded from the Lab: stored as the model file the tab wrote, after the same checks
//! the tab applies when it loads one, with the figures the list shows.
//!
//! The file lives in the database next to its row: Lab models are a few hundred KiB and the
//! model registry, which keeps artifacts in the object store, turns them into versions.

pub(crate) mod catalog;

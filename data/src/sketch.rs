//! Streaming summaries of one column's values, each in memory fixed in advance whatever the
//! length of the file: moments, a value reservoir for quantiles, an exact histogram, a
//! distinct counter and frequent-value counters.

pub(crate) mod distinct;
pub(crate) mod histogram;
pub(crate) mod moments;
pub(crate) mod reservoir;
pub(crate) mod top_values;

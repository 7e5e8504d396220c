-- One-minute roll-ups of telemetry, kept long after the raw points are gone: per series and
-- minute, how many points and their sum, minimum and maximum (the mean is sum / count).

CREATE TABLE telemetry_rollups (
    series_id INTEGER NOT NULL REFERENCES telemetry_series (id) ON DELETE CASCADE,
    -- Start of the minute, milliseconds since the Unix epoch, UTC.
    minute INTEGER NOT NULL,
    count INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    PRIMARY KEY (series_id, minute)
) WITHOUT ROWID;

-- How far roll-ups are complete: every minute before `value` (milliseconds) is rolled up.
CREATE TABLE telemetry_progress (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

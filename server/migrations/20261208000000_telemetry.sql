-- Telemetry from the production sites: the sites themselves, one row per series (a site's
-- source and metric with its tags), and the raw points, keyed by series and instant so that
-- a batch sent twice stores each point once.

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('manufacturing', 'logistics')),
    created_at TEXT NOT NULL
);

INSERT INTO sites (id, name, kind, created_at) VALUES
    ('manufacturing-line', 'Manufacturing line', 'manufacturing', strftime('%Y-%m-%dT%H:%M:%fZ')),
    ('logistics-fleet', 'Logistics fleet', 'logistics', strftime('%Y-%m-%dT%H:%M:%fZ'));

CREATE TABLE telemetry_series (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    metric TEXT NOT NULL,
    -- Canonical JSON of the tags (keys sorted), '{}' for none.
    tags TEXT NOT NULL,
    UNIQUE (site, source, metric, tags)
);

-- Milliseconds since the Unix epoch, UTC.
CREATE TABLE telemetry_points (
    series_id INTEGER NOT NULL REFERENCES telemetry_series (id) ON DELETE CASCADE,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;

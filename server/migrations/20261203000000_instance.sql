-- One row describing this installation: created on first start, read by /readyz.
CREATE TABLE instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    installation_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);

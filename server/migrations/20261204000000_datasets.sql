-- Datasets: names owned by users, immutable versions, and the content-addressed blobs they
-- point at. A row here is written only after its blob is durable in the object store.

-- One stored file per distinct content; versions with identical bytes share it.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size_bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- `owner_id` is NULL for the samples every installation gets; admins manage those.
CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE,
    owner_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'shared')),
    created_at TEXT NOT NULL
);
-- SQLite treats NULLs as distinct in UNIQUE constraints, so the samples get their own index.
CREATE UNIQUE INDEX datasets_by_owner_name ON datasets (owner_id, name);
CREATE UNIQUE INDEX sample_datasets_by_name ON datasets (name) WHERE owner_id IS NULL;

CREATE TABLE dataset_versions (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    blob_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    size_bytes INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    -- JSON: lepton_data's format, the column names, the profile, the sparse row index and
    -- the row sample that target analysis reads.
    format TEXT NOT NULL,
    columns TEXT NOT NULL,
    profile TEXT NOT NULL,
    row_index TEXT NOT NULL,
    sample TEXT NOT NULL,
    target TEXT,
    warnings INTEGER NOT NULL,
    file_name TEXT,
    -- The preparation recipe and its fitted parameters, JSON, once one is saved.
    recipe TEXT,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (dataset_id, version)
);
CREATE INDEX dataset_versions_by_blob ON dataset_versions (blob_sha256);

-- Set once the samples are installed, so that a sample an admin deleted stays deleted.
CREATE TABLE samples_installed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    installed_at TEXT NOT NULL
);

-- Models uploaded from the Lab: the model file as the tab wrote it, with the figures the
-- lists show. The model registry turns them into versions of named models.
CREATE TABLE lab_models (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    task TEXT NOT NULL,
    features INTEGER NOT NULL,
    epochs INTEGER NOT NULL,
    -- Validation accuracy for classifiers, R² for regressors, when the file carries them.
    score REAL,
    backend TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    -- The JSON model file, verbatim (at most 64 MiB; Lab models are a few hundred KiB).
    file TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX lab_models_by_owner ON lab_models (owner_id, created_at);

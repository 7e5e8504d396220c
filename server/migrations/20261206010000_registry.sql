-- The model registry: named models and their numbered versions, each with a stage. The
-- artifact (the model file) lives in the object store, content-addressed like datasets.

CREATE TABLE models (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

CREATE TABLE model_versions (
    model TEXT NOT NULL COLLATE NOCASE REFERENCES models (name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('none', 'staging', 'production', 'archived')),
    task TEXT NOT NULL,
    -- Networks in the model: 1, or the members of a bagging ensemble.
    members INTEGER NOT NULL DEFAULT 1,
    -- 'job' or 'lab', and the id of the job or the Lab upload.
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    dataset_id TEXT,
    dataset_label TEXT,
    -- JSON: feature names, class names, the TrainingConfig and the Evaluation.
    features TEXT NOT NULL,
    classes TEXT NOT NULL,
    training TEXT NOT NULL,
    evaluation TEXT,
    evaluated_on TEXT NOT NULL,
    score REAL,
    epochs INTEGER NOT NULL,
    device TEXT NOT NULL,
    code_version TEXT NOT NULL,
    trained_by TEXT NOT NULL REFERENCES users (id),
    training_seconds REAL,
    artifact_sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (model, version)
);
-- One Production version per model, kept by the database itself.
CREATE UNIQUE INDEX one_production_version ON model_versions (model) WHERE stage = 'production';
-- A job or an upload becomes at most one version, even when a worker retries.
CREATE UNIQUE INDEX versions_by_source ON model_versions (source_kind, source_id);

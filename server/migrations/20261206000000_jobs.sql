-- Server training jobs: a durable queue with leases, the log each job streams, and the
-- checkpoint each job writes after every epoch so that a restart resumes it.
--
-- A hyper-parameter search is a job of kind 'search' whose trials are jobs of kind 'trial'
-- with the search as parent. The search itself never trains: a worker claims it to propose
-- trials or to finish, and it waits ('waiting') while its trials run; each trial that ends
-- queues its search again.

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'train' CHECK (kind IN ('train', 'search', 'trial')),
    parent_id TEXT REFERENCES jobs (id) ON DELETE CASCADE,
    -- A trial's position in its search and its point (JSON: one value per range).
    trial_index INTEGER,
    trial_point TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dataset_id TEXT NOT NULL,
    dataset_label TEXT NOT NULL,
    -- JSON: the JobRequest as accepted, and the task the dataset's recipe implies.
    request TEXT NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    -- Set when a trial of this search ended while the search was not waiting, so that the
    -- search looks at its trials again instead of waiting for one that already ended.
    wake INTEGER NOT NULL DEFAULT 0,
    -- The worker holding the job and until when (Unix milliseconds); a running job whose
    -- lease has run out belongs to a worker that died, and any worker may take it up.
    lease_owner TEXT,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    epochs_done INTEGER NOT NULL DEFAULT 0,
    device TEXT,
    -- JSON: the last EpochProgress, and the JobResult once it succeeded.
    progress TEXT,
    result TEXT,
    error TEXT,
    -- Seconds of training over every attempt so far.
    training_seconds REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX jobs_waiting ON jobs (status, created_at);
CREATE INDEX jobs_by_owner ON jobs (owner_id, created_at);
CREATE INDEX jobs_by_parent ON jobs (parent_id, trial_index);

CREATE TABLE job_events (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    -- JSON: a JobEvent.
    event TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

-- The newest checkpoint of each job: the weights after `epoch`, plus what early stopping
-- and the charts need to go on (JSON).
CREATE TABLE job_checkpoints (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    state TEXT NOT NULL,
    written_at TEXT NOT NULL
);

-- The best validation loss each trial had reached at each epoch, which the median stopping
-- rule compares across the trials of a search.
CREATE TABLE trial_epochs (
    parent_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    best_loss REAL NOT NULL,
    PRIMARY KEY (job_id, epoch)
) WITHOUT ROWID;
CREATE INDEX trial_epochs_by_search ON trial_epochs (parent_id, epoch);

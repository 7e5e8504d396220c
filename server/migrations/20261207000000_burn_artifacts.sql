-- Each version also keeps its networks as a burn record (burnpack) and a JSON manifest that
-- says how to rebuild them, both in the object store beside the model file. Versions
-- registered before these columns existed have NULLs here.
ALTER TABLE model_versions ADD COLUMN record_sha256 TEXT;
ALTER TABLE model_versions ADD COLUMN record_bytes INTEGER;
ALTER TABLE model_versions ADD COLUMN manifest_sha256 TEXT;

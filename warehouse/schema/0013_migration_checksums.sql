-- The ledger keeps the SHA-256 of each migration file as it ran, so doctor can name a shipped migration whose
-- file changed afterwards. Migrations applied before this one ran keep NULL: what ran then is not known.
ALTER TABLE schema_migrations ADD COLUMN sha256 VARCHAR;

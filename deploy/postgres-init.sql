-- Databases of OneVisit on one PostgreSQL server (run once, when the server's data directory is created).
-- onevisit (the catalog, vault, channels) is created by POSTGRES_DB; these are the other two.
CREATE DATABASE tracker;  -- Rasa's tracker store, shared by every Rasa replica
CREATE DATABASE backend;  -- the reference case-status backend (production uses the real system instead)

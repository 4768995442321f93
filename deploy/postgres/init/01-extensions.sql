-- Runs once, when the PostgreSQL data volume is first initialised: the migrations need pgvector.
CREATE EXTENSION IF NOT EXISTS vector;

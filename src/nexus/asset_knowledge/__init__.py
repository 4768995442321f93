"""Module 04, asset knowledge: a project's library of portraits, backgrounds, music, sound
effects, style references and text references; ingest, embeddings, and hybrid search
(BM25 + vector, reciprocal rank fusion) answering ``AssetCandidate``s. Its tables are its own;
other modules use ``AssetLibrary`` (``nexus.asset_knowledge.library``)."""

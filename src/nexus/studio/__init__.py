"""The studio pipeline: story -> narrated, subtitled video, as a DAG of skills."""

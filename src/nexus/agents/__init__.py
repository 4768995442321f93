"""Agent sessions (issue 15): conversations whose agent runs are orchestrator runs."""

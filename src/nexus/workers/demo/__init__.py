"""Demo and benchmark skills and pipelines: no-op steps, fan-out/fan-in, a CPU-bound step."""

"""Orchestration: config, backends, the Brain, projections, recording, analysis and the CLI."""

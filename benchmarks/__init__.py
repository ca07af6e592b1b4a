"""Reproducible measurements of asst-tui; `python -m benchmarks --help` runs them."""

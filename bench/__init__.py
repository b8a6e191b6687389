"""Benchmarks for OneVisit: affair-resolver index build time, per-resolve latency and memory.

Run with `python -m bench` (or `make bench`); see `python -m bench --help`.
"""

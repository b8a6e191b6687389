"""Maintainer tooling for the YAML knowledge: read, validate, build derived files, load into SQL."""

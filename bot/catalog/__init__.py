"""The catalog of affairs, places and offices: SQL tables, loading and read-only queries."""

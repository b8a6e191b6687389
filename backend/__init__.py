"""Reference implementation of the case-status API contract (backend/openapi.yml).

A real HTTP server (aiohttp) with its own SQL database (SQLAlchemy; SQLite by default, PostgreSQL by
changing ``BACKEND_DATABASE_URL``), seeded with fictional sample cases. Run ``python -m backend serve``.
Importing this package does no work: engines, apps and servers are created by functions.
"""

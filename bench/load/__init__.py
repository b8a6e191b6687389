"""Load and fault tests of the `make up` topology with locust: `python -m bench.load` (make load).

Simulated citizens hold scripted multi-turn conversations through the edge's REST channel; every turn is
recorded, summarised (turns/s, latency percentiles, errors) and checked against the PostgreSQL tracker store
(no turn lost, reordered or doubled). Faults (a Rasa replica or an action server killed, Redis or
PostgreSQL restarted) are injected during load and their recovery time measured.
"""

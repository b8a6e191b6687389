"""Running Rasa for OneVisit: `python -m bot.rasa_runtime run ...` is `rasa run ...` with the changes below.

`speedups.install()` replaces work Rasa 3.6 repeats on every turn with the same work done once (see each
function there); behaviour is unchanged. `resilience.install()` keeps a tracker-store failure from costing an
answered turn (see there). Every command that starts a Rasa server (scripts/run.sh, scripts/up.sh,
deploy/, the tests) goes through this entry point.
"""

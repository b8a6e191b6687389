"""Running Rasa for OneVisit: `python -m bot.rasa_runtime run ...` is `rasa run ...` with the speed-ups below.

`speedups.install()` replaces work Rasa 3.6 repeats on every turn with the same work done once (see each
function there); behaviour is unchanged. Every command that starts a Rasa server (scripts/run.sh, scripts/up.sh,
deploy/, the tests) goes through this entry point.
"""

"""`python -m bot.rasa_runtime <rasa arguments>`: the `rasa` command with OneVisit's changes installed."""

from __future__ import annotations


def main() -> None:
    """Install the speed-ups and the tracker-store resilience, then hand the command line to Rasa's own entry point."""
    from bot.rasa_runtime import resilience, speedups

    speedups.install()
    resilience.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()

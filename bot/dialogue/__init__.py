"""Dialogue logic without Rasa: understanding answers and choices, and writing the replies."""

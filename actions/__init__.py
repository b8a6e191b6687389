"""rasa_sdk custom actions: thin adapters between the Rasa tracker and the bot package."""

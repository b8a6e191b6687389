"""The edge server: the only process that faces citizens.

It serves the static pages in `web/` and forwards chat messages to Rasa's REST channel after checking the
request's shape, the message length and the rate per sender and per client, and after masking personal data
(`bot.privacy.protect`). Rasa and the action server stay on loopback behind it. Run it with `python -m bot.edge`;
`bot.edge.app.create_app` builds the aiohttp application from `bot.edge.settings.EdgeSettings`.
"""

"""Messaging channels beyond the web page: WeChat Official Account (`wechat`) and WeCom customer service.

- `render`: Rasa bot messages as plain-text chunks within a platform's size limit, buttons as numbered
  options, and the mapping of a digit reply back to the chosen option's payload;
- `store`: the small shared state of the channels (message de-duplication, cached replies, numbered
  options per sender, cursors, one access token for all processes) on SQLite or PostgreSQL;
- `wechat`: the Rasa input channel for a WeChat Official Account (`bot.channels.wechat.WeChatInput`).

Importing this package does no work: engines and clients are created on first use.
"""

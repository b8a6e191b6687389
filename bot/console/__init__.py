"""The 12345 hotline console service: handoff queue, agents' replies, 好差评 ratings, analytics, maintainers' loop.

Modules, one job each (importing this package does no work; databases are opened on first use):

- `settings`: every environment variable the console reads;
- `store`: the ``console_*`` tables and the engine (SQLite by default, PostgreSQL by URL);
- `auth`: users, roles (agent, supervisor, maintainer), scrypt passwords, bearer tokens, login limits;
- `handoff`: the queue and its messages (`request_handoff`, `citizen_message`, `updates_for`, ...);
- `hooks`: the outbox that tells the Rasa side about hand back and close;
- `deliveries`: the outbox of agents' messages for WeChat and WeCom senders;
- `ratings`: 好差评, one rating per answer; `analytics`: the tracker store into daily tables;
- `maintain`: the maintainers' loop (phrasings and out-of-scope questions, validated and loaded);
- `assist`: affair search, the guide and case lookups for agents; `audit`: the audit log;
- `api`: the aiohttp application; ``python -m bot.console serve|add-user|analytics``.
"""

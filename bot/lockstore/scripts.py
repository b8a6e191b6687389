"""The Lua scripts that make every change to a conversation's ticket queue one atomic step in Redis.

One Redis hash per conversation holds the queue:

    seq     the number of the last ticket issued (HINCRBY: never handed out twice)
    t:<n>   ticket n: "<expiry in ms, Redis clock> <request id>"

Times come from Redis's own clock (TIME), so replicas with skewed clocks agree on which tickets have
expired. The hash expires by itself `retention` ms after its last ticket would expire, so a replica that
dies while holding a ticket leaves nothing behind for long. While it lives, `seq` keeps counting, so a
ticket number is never reused while someone may still be waiting with it.
"""

from __future__ import annotations

# Shared helpers, pasted in front of each script (Redis scripts cannot import one another).
_PRELUDE = """
local key = KEYS[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- expiry and request id of a ticket's value "<expires> <request id>"
local function parse(value)
  local gap = string.find(value, ' ', 1, true)
  if not gap then return tonumber(value), '' end
  return tonumber(string.sub(value, 1, gap - 1)), string.sub(value, gap + 1)
end

-- drop expired tickets; return the live ones as {number, expires, request id} and the latest expiry
local function live_tickets()
  local fields = redis.call('HGETALL', key)
  local tickets, latest = {}, now
  for i = 1, #fields, 2 do
    local name = fields[i]
    if string.sub(name, 1, 2) == 't:' then
      local expires, request = parse(fields[i + 1])
      if expires == nil or expires <= now then
        redis.call('HDEL', key, name)
      else
        tickets[#tickets + 1] = {tonumber(string.sub(name, 3)), expires, request}
        if expires > latest then latest = expires end
      end
    end
  end
  return tickets, latest
end

-- let the hash vanish `retention` ms after its last ticket (or now, when none is left)
local function keep_until(latest, retention)
  if redis.call('EXISTS', key) == 1 then
    redis.call('PEXPIREAT', key, latest + retention)
  end
end
"""

ISSUE = _PRELUDE + """
-- ARGV: lifetime ms, retention ms, request id. Returns the ticket number.
-- A retried call with the same request id gets the ticket it was already given.
local tickets, latest = live_tickets()
for _, ticket in ipairs(tickets) do
  if ticket[3] == ARGV[3] then return ticket[1] end
end
local number = redis.call('HINCRBY', key, 'seq', 1)
local expires = now + tonumber(ARGV[1])
redis.call('HSET', key, 't:' .. number, string.format('%d %s', expires, ARGV[3]))
if expires > latest then latest = expires end
keep_until(latest, tonumber(ARGV[2]))
return number
"""

SNAPSHOT = _PRELUDE + """
-- Read only. Returns {now, number, expires, number, expires, ...} for the live tickets.
local fields = redis.call('HGETALL', key)
local result = {now}
for i = 1, #fields, 2 do
  local name = fields[i]
  if string.sub(name, 1, 2) == 't:' then
    local expires = parse(fields[i + 1])
    if expires ~= nil and expires > now then
      result[#result + 1] = tonumber(string.sub(name, 3))
      result[#result + 1] = expires
    end
  end
end
return result
"""

RELEASE = _PRELUDE + """
-- ARGV: mode ('ticket': remove ticket ARGV[3]; 'purge': only drop expired ones; 'clear': remove all),
-- retention ms, ticket number. Returns how many live tickets are left.
local mode = ARGV[1]
if mode == 'ticket' then
  redis.call('HDEL', key, 't:' .. ARGV[3])
end
local tickets, latest = live_tickets()
if mode == 'clear' then
  for _, ticket in ipairs(tickets) do redis.call('HDEL', key, 't:' .. ticket[1]) end
  tickets, latest = {}, now
end
keep_until(latest, tonumber(ARGV[2]))
return #tickets
"""

REPLACE = _PRELUDE + """
-- ARGV: retention ms, then pairs of ticket number and ms left to live. Replaces the queue with these tickets.
local fields = redis.call('HKEYS', key)
for _, name in ipairs(fields) do
  if string.sub(name, 1, 2) == 't:' then redis.call('HDEL', key, name) end
end
local latest, highest = now, tonumber(redis.call('HGET', key, 'seq') or '0')
for i = 2, #ARGV, 2 do
  local number, left = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  if left > 0 then
    local expires = now + left
    redis.call('HSET', key, 't:' .. number, string.format('%d saved', expires))
    if expires > latest then latest = expires end
  end
  if number > highest then highest = number end
end
redis.call('HSET', key, 'seq', highest)
keep_until(latest, tonumber(ARGV[1]))
return highest
"""

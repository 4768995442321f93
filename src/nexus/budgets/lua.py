"""The budget controller's Redis primitives: one Lua script each, atomic across processes.

All of a tenant's budget keys share the hash tag ``{tenant}`` (one slot), so a reservation
over the tenant, project and run budgets is one script. Layout under ``base`` =
``<prefix>bdg:{<tenant>}``: ``:loaded`` (set once the tenant's budgets were loaded from the
database), ``:b:<budget_id>`` (hash: limits lt/lc/lu, spent st/sc/su, held ht/hc/hu, ``on``),
``:holds`` (rid -> "tokens,compute_ms,micro_usd,id1,id2,..."), ``:expiry`` (zset rid -> ms),
``:done`` (zset of settled rids, one day) and ``:journal`` (settlements for reconciliation).
Times come from the server clock (ADR 0036). Amounts are integers: HINCRBY is exact.
"""

from __future__ import annotations

PRELUDE = """
local base = ARGV[1]
local F_LIMIT = {'lt', 'lc', 'lu'}
local F_SPENT = {'st', 'sc', 'su'}
local F_HELD = {'ht', 'hc', 'hu'}
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function bkey(id) return base .. ':b:' .. id end
local function split(s)
  local out = {}
  for p in string.gmatch(s, '([^,]+)') do table.insert(out, p) end
  return out
end
local function unhold(holds, expiry, rid, value)
  local parts = split(value)
  local ids = {}
  for i = 4, #parts do
    local k = bkey(parts[i])
    for d = 1, 3 do
      local n = tonumber(parts[d])
      if n ~= 0 then redis.call('HINCRBY', k, F_HELD[d], -n) end
    end
    table.insert(ids, parts[i])
  end
  redis.call('HDEL', holds, rid)
  redis.call('ZREM', expiry, rid)
  return ids
end
local function expire_holds(holds, expiry, now, limit)
  local gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, limit)
  for _, rid in ipairs(gone) do
    local v = redis.call('HGET', holds, rid)
    if v then unhold(holds, expiry, rid, v) else redis.call('ZREM', expiry, rid) end
  end
  return #gone
end
"""

# KEYS: loaded, holds, expiry, budget hashes...; ARGV: base, rid, ttl_ms, t, c, u, ids...
# -> {-1} not loaded | {0, budget_id, dimension 1..3, left} refused | {1, "id1,id2"} held
RESERVE = (
    PRELUDE
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local now = now_ms()
expire_holds(KEYS[2], KEYS[3], now, 20)
local rid = ARGV[2]
local prior = redis.call('HGET', KEYS[2], rid)
if prior then
  local parts = split(prior)
  local ids = {}
  for i = 4, #parts do table.insert(ids, parts[i]) end
  return {1, table.concat(ids, ',')}
end
local need = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])}
local used = {}
for i = 4, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'lt', 'lc', 'lu', 'st', 'sc', 'su', 'ht', 'hc', 'hu', 'on')
  if v[10] then
    for d = 1, 3 do
      if v[d] and need[d] > 0 then
        local left = tonumber(v[d]) - tonumber(v[3 + d]) - tonumber(v[6 + d])
        if need[d] > left then return {0, ARGV[i + 3], d, left} end
      end
    end
    table.insert(used, i)
  end
end
local ids = {}
for _, i in ipairs(used) do
  for d = 1, 3 do
    if need[d] ~= 0 then redis.call('HINCRBY', KEYS[i], F_HELD[d], need[d]) end
  end
  table.insert(ids, ARGV[i + 3])
end
if #ids > 0 then
  local value = ARGV[4] .. ',' .. ARGV[5] .. ',' .. ARGV[6] .. ',' .. table.concat(ids, ',')
  redis.call('HSET', KEYS[2], rid, value)
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), rid)
end
return {1, table.concat(ids, ',')}
"""
)

# KEYS: holds, expiry, done, journal; ARGV: base, rid, t, c, u, "id1,id2" (the reservation's)
SETTLE = (
    PRELUDE
    + """
local rid = ARGV[2]
local now = now_ms()
if redis.call('ZSCORE', KEYS[3], rid) then return 'duplicate' end
local v = redis.call('HGET', KEYS[1], rid)
local ids
if v then ids = unhold(KEYS[1], KEYS[2], rid, v) else ids = split(ARGV[6]) end
local amount = {tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])}
for _, id in ipairs(ids) do
  local k = bkey(id)
  if redis.call('HEXISTS', k, 'on') == 1 then
    for d = 1, 3 do
      if amount[d] ~= 0 then redis.call('HINCRBY', k, F_SPENT[d], amount[d]) end
    end
  end
end
redis.call('RPUSH', KEYS[4], rid .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5] .. '|'
  .. table.concat(ids, ','))
redis.call('ZADD', KEYS[3], now, rid)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 86400000)
return 'settled'
"""
)

# KEYS: holds, expiry; ARGV: base, rid
RELEASE = (
    PRELUDE
    + """
local v = redis.call('HGET', KEYS[1], ARGV[2])
if not v then return 'unknown' end
unhold(KEYS[1], KEYS[2], ARGV[2], v)
return 'released'
"""
)

# KEYS: holds, expiry; ARGV: base, max -> how many expired holds were released
SWEEP = (
    PRELUDE
    + """
return expire_holds(KEYS[1], KEYS[2], now_ms(), tonumber(ARGV[2]))
"""
)

# KEYS: loaded, holds, expiry; ARGV: base, then per budget: id, lt, lc, lu, st, sc, su
# ('' limit = unlimited). Only when not loaded yet (a fresh or restarted Redis).
LOAD = (
    PRELUDE
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
for i = 2, #ARGV - 1, 7 do
  local k = bkey(ARGV[i])
  redis.call('DEL', k)
  redis.call('HSET', k, 'on', '1', 'st', ARGV[i + 4], 'sc', ARGV[i + 5], 'su', ARGV[i + 6],
    'ht', '0', 'hc', '0', 'hu', '0')
  for d = 1, 3 do
    if ARGV[i + d] ~= '' then redis.call('HSET', k, F_LIMIT[d], ARGV[i + d]) end
  end
end
redis.call('SET', KEYS[1], '1')
return 1
"""
)

# KEYS: loaded; ARGV: base, id, lt, lc, lu, st, sc, su. New limits for a loaded tenant.
UPSERT = (
    PRELUDE
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local k = bkey(ARGV[2])
if redis.call('HEXISTS', k, 'on') == 0 then
  redis.call('HSET', k, 'on', '1', 'st', ARGV[6], 'sc', ARGV[7], 'su', ARGV[8],
    'ht', '0', 'hc', '0', 'hu', '0')
end
for d = 1, 3 do
  if ARGV[2 + d] == '' then redis.call('HDEL', k, F_LIMIT[d])
  else redis.call('HSET', k, F_LIMIT[d], ARGV[2 + d]) end
end
return 1
"""
)

# KEYS: journal; ARGV: base, n -> the first n settlements (not removed)
JOURNAL_READ = (
    PRELUDE
    + """
return redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
"""
)

# KEYS: journal; ARGV: base, n -> drop the first n (after they were written to the database)
JOURNAL_TRIM = (
    PRELUDE
    + """
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
return redis.call('LLEN', KEYS[1])
"""
)

# KEYS: budget hashes; ARGV: base -> per budget {spent..., held...} or {} when absent
LIVE = (
    PRELUDE
    + """
local out = {}
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'on', 'st', 'sc', 'su', 'ht', 'hc', 'hu')
  if v[1] then out[i] = {v[2], v[3], v[4], v[5], v[6], v[7]} else out[i] = {} end
end
return out
"""
)

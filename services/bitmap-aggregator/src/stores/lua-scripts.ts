/**
 * The Lua scripts of the bitmap store. Each runs on the project's shard (all keys share the
 * `{p:<projectId>}` hash tag and are passed in KEYS), atomically: a batch's bits, totals and
 * offset watermark land together or not at all.
 */

/**
 * Lua: reads the bits of `key` at ARGV[first .. first + n - 1] with one BITFIELD GET per
 * thousand offsets (a redis.call per bit cost more than the bits themselves), as a table of
 * 0/1 in order. A missing key or an offset past its end reads 0, and nothing is written.
 */
const BITS_OF = `
local function bitsOf(key, offsets, first, n)
  local out, args, m = {}, {}, 0
  local function run()
    local got = redis.call('BITFIELD', key, unpack(args, 1, m))
    for j = 1, #got do out[#out + 1] = got[j] end
    m = 0
  end
  for i = first, first + n - 1 do
    args[m + 1] = 'GET'; args[m + 2] = 'u1'; args[m + 3] = offsets[i]
    m = m + 3
    if m >= 3000 then run() end
  end
  if m > 0 then run() end
  return out
end
`;

/**
 * KEYS offsets merged canon erased dimIds dimNames open; ARGV field nVisitors visitors… dims…
 * → {watermark, canonical visitors (-1 = erased), dim ids, open session of each canonical visitor ('' = none)}.
 */
export const RESOLVE = `${BITS_OF}
local wm = redis.call('HGET', KEYS[1], ARGV[1]) or ''
local n = tonumber(ARGV[2])
local merged = bitsOf(KEYS[2], ARGV, 3, n)
local visitors = {}
for i = 1, n do
  local v = tonumber(ARGV[2 + i])
  if merged[i] == 1 then
    local hops = 0
    while hops < 64 and redis.call('GETBIT', KEYS[2], v) == 1 do
      local next = redis.call('HGET', KEYS[3], v)
      if not next then break end
      v = tonumber(next)
      hops = hops + 1
    end
  end
  visitors[i] = v
end
local erased = bitsOf(KEYS[4], visitors, 1, n)
for i = 1, n do
  if erased[i] == 1 then visitors[i] = -1 end
end
local ids = {}
for i = 3 + n, #ARGV do
  local id = redis.call('HGET', KEYS[5], ARGV[i])
  if not id then
    id = redis.call('HLEN', KEYS[5])
    redis.call('HSET', KEYS[5], ARGV[i], id)
    redis.call('HSET', KEYS[6], id, ARGV[i])
  end
  ids[#ids + 1] = tonumber(id)
end
local open = {}
for first = 1, n, 1000 do
  local fields = {}
  for i = first, math.min(n, first + 999) do fields[#fields + 1] = math.max(visitors[i], 0) end
  local got = redis.call('HMGET', KEYS[7], unpack(fields))
  for j = 1, #got do open[#open + 1] = got[j] or '' end
end
return {wm, visitors, ids, open}
`;

/**
 * The daily value cap. KEYS capped admitted…; ARGV cap nGroups, then per group (one admitted
 * key each): expireAt kind day n dim…. A value already in its day's set is admitted; a new one
 * while the set holds fewer than \`cap\` values is added and admitted; else it is refused and
 * \`<kind>\t<day>\` is added to capped. → one 1/0 per value, in order.
 */
export const ADMIT = `
local cap = tonumber(ARGV[1])
local out = {}
local i = 3
for g = 1, tonumber(ARGV[2]) do
  local key = KEYS[g + 1]
  local at, kind, day, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  i = i + 4
  local size = redis.call('SCARD', key)
  local full = false
  for j = i, i + n - 1 do
    if redis.call('SISMEMBER', key, ARGV[j]) == 1 then
      out[#out + 1] = 1
    elseif size < cap then
      redis.call('SADD', key, ARGV[j])
      size = size + 1
      out[#out + 1] = 1
    else
      out[#out + 1] = 0
      full = true
    end
  end
  if size > 0 then redis.call('EXPIREAT', key, at) end
  if full then redis.call('SADD', KEYS[1], kind .. '\t' .. day) end
  i = i + n
end
return out
`;

/**
 * Lua: the seen-messages check of APPLY (domain/seen-messages.handler.ts, SeenDay). ARGV[at] =
 * number of days, then per day: index of its `seen:` key in KEYS, expireAt, fields (2 bytes
 * each), ids per field (comma-joined), the ids' other 6 bytes grouped by field. The hash's field
 * value is its ids' 6 bytes, packed. Reads the batch's fields (HMGET, a thousand at a time) and
 * returns the 1-based positions (over all days, in order) of the ids already there, the writes
 * for seenWrite, and the index of the first ARGV after the section.
 */
const SEEN = `
local function holds(packed, id)
  local from = 1
  while true do
    local at = string.find(packed, id, from, true)
    if not at then return false end
    if (at - 1) % 6 == 0 then return true end
    from = at + 1
  end
end
local function seenCheck(at)
  local found, writes, pos = {}, {}, 0
  local days = tonumber(ARGV[at])
  at = at + 1
  for d = 1, days do
    local key, expireAt, names, rests = KEYS[tonumber(ARGV[at])], ARGV[at + 1], ARGV[at + 2], ARGV[at + 4]
    local fields, counts = {}, {}
    for k = 1, #names, 2 do fields[#fields + 1] = string.sub(names, k, k + 1) end
    for c in string.gmatch(ARGV[at + 3], '%d+') do counts[#counts + 1] = tonumber(c) end
    at = at + 5
    local args, off = {}, 1
    for first = 1, #fields, 1000 do
      local last = math.min(#fields, first + 999)
      local got = redis.call('HMGET', key, unpack(fields, first, last))
      for k = first, last do
        local value, size = got[k - first + 1], 6 * counts[k]
        local group = string.sub(rests, off, off + size - 1)
        if value then
          for j = 1, size, 6 do
            if holds(value, string.sub(group, j, j + 5)) then found[#found + 1] = pos + (j + 5) / 6 end
          end
          group = value .. group
        end
        args[#args + 1] = fields[k]
        args[#args + 1] = group
        pos = pos + counts[k]
        off = off + size
      end
    end
    writes[#writes + 1] = {key, expireAt, args}
  end
  return found, writes, at
end
local function seenWrite(writes)
  for _, day in ipairs(writes) do
    local key, args = day[1], day[3]
    for first = 1, #args, 2000 do redis.call('HSET', key, unpack(args, first, math.min(#args, first + 1999))) end
    redis.call('EXPIREAT', key, day[2])
  end
end
`;

/**
 * KEYS offsets merged erased data…; ARGV field expectedWatermark newWatermark nVisitors visitors… seen… ops…
 * Ops: C key visitor (clear one bit, never growing the key) | B key n "o1,o2,…" (BITFIELD SET u1 …) | P key scratch patch (BITOP OR of a bitmap) | H key n (field incr)… |
 * S key n "m1,m2,…" | E key ts | I key n (id index)….
 * Offsets and members travel as one comma-joined argument per key: far fewer arguments to
 * marshal in Node than one per bit.
 * Seen: the batch's message ids per day (SEEN above), checked before any write and recorded
 * with the increments.
 * Returns 0 without writing when the watermark moved or a visitor got merged/erased since the
 * caller resolved them (the caller re-resolves and retries); without writing, the positions of
 * the ids already seen (the caller leaves those events out and retries); 1 when written.
 */
export const APPLY = `${BITS_OF}${SEEN}
if (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[2] then return 0 end
local n = tonumber(ARGV[4])
for _, key in ipairs({KEYS[2], KEYS[3]}) do
  local bits = bitsOf(key, ARGV, 5, n)
  for i = 1, n do
    if bits[i] == 1 then return 0 end
  end
end
local found, seen, i = seenCheck(5 + n)
if #found > 0 then return found end
local last = #ARGV
-- One scratch table for every command's arguments: fewer allocations in the hot loop.
local args = {}
local scratch = nil
while i <= last do
  local op = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  local count = tonumber(ARGV[i + 2])
  i = i + 3
  if op == 'C' then
    if count < redis.call('STRLEN', key) * 8 then redis.call('SETBIT', key, count, 0) end
  elseif op == 'B' then
    local n = 0
    for offset in string.gmatch(ARGV[i], '%d+') do
      args[n + 1] = 'SET'; args[n + 2] = 'u1'; args[n + 3] = offset; args[n + 4] = 1
      n = n + 4
      if n >= 4000 then redis.call('BITFIELD', key, unpack(args, 1, n)); n = 0 end
    end
    if n > 0 then redis.call('BITFIELD', key, unpack(args, 1, n)) end
    i = i + 1
  elseif op == 'P' then
    -- SET replaces the previous patch: the scratch key is deleted once, after the last.
    scratch = KEYS[count]
    redis.call('SET', scratch, ARGV[i])
    redis.call('BITOP', 'OR', key, key, scratch)
    i = i + 1
  elseif op == 'H' then
    for j = i, i + 2 * count - 1, 2 do redis.call('HINCRBY', key, ARGV[j], ARGV[j + 1]) end
    i = i + 2 * count
  elseif op == 'I' then
    for j = i, i + 2 * count - 1, 1000 do redis.call('HSET', key, unpack(ARGV, j, math.min(j + 999, i + 2 * count - 1))) end
    i = i + 2 * count
  elseif op == 'S' then
    local n = 0
    for member in string.gmatch(ARGV[i], '-?%d+') do
      n = n + 1
      args[n] = member
      if n >= 1000 then redis.call('SADD', key, unpack(args, 1, n)); n = 0 end
    end
    if n > 0 then redis.call('SADD', key, unpack(args, 1, n)) end
    i = i + 1
  elseif op == 'E' then
    redis.call('EXPIREAT', key, count)
  end
end
if scratch then redis.call('DEL', scratch) end
seenWrite(seen)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
`;

/**
 * KEYS merged canon touched(c) touched(m) members(c) members(m) data…; ARGV m c |touched(m)|.
 * Copies m's bits onto c in the keys m touched, then marks m merged. 0 = state changed, retry.
 */
export const MERGE = `
local m, c = tonumber(ARGV[1]), tonumber(ARGV[2])
if redis.call('GETBIT', KEYS[1], m) == 1 or redis.call('GETBIT', KEYS[1], c) == 1 then return 0 end
if redis.call('SCARD', KEYS[4]) ~= tonumber(ARGV[3]) then return 0 end
for k = 7, #KEYS do
  if redis.call('GETBIT', KEYS[k], m) == 1 then redis.call('SETBIT', KEYS[k], c, 1) end
end
redis.call('SETBIT', KEYS[1], m, 1)
redis.call('HSET', KEYS[2], m, c)
redis.call('SUNIONSTORE', KEYS[3], KEYS[3], KEYS[4])
redis.call('SUNIONSTORE', KEYS[5], KEYS[5], KEYS[6])
redis.call('SADD', KEYS[5], m)
redis.call('DEL', KEYS[4], KEYS[6])
return 1
`;

/**
 * KEYS erased ids touched(v) members(v) data…; ARGV |touched| nVisitors visitors… ids….
 * Clears the visitors' bits (never growing a bitmap), marks them erased, drops their index sets.
 */
export const ERASE = `
if redis.call('SCARD', KEYS[3]) ~= tonumber(ARGV[1]) then return 0 end
local n = tonumber(ARGV[2])
for k = 5, #KEYS do
  local bits = redis.call('STRLEN', KEYS[k]) * 8
  if bits > 0 then
    for i = 3, 2 + n do
      if tonumber(ARGV[i]) < bits then redis.call('SETBIT', KEYS[k], ARGV[i], 0) end
    end
  end
end
for i = 3, 2 + n do redis.call('SETBIT', KEYS[1], ARGV[i], 1) end
for i = 3 + n, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
redis.call('DEL', KEYS[3], KEYS[4])
return 1
`;

/**
 * KEYS = program keys; ARGV[1] = JSON steps, ARGV[2…] = temp key indexes (deleted at the end).
 * A big read runs as several calls (one slice of its steps each, see sliceProgram), so a temp
 * may outlive one call: each written temp expires after a minute in case the reader never
 * gets to delete it.
 */
export const QUERY = `
local steps = cjson.decode(ARGV[1])
local out = {}
local empty = {}
for _, s in ipairs(steps) do
  local op = s[1]
  if op == 'or' or op == 'and' then
    local args = {}
    for i = 3, #s do args[#args + 1] = KEYS[s[i]] end
    redis.call('BITOP', op, KEYS[s[2]], unpack(args))
    redis.call('PEXPIRE', KEYS[s[2]], 60000)
  elseif op == 'andnot' then
    redis.call('BITOP', 'AND', KEYS[s[2]], KEYS[s[3]], KEYS[s[4]])
    redis.call('BITOP', 'XOR', KEYS[s[2]], KEYS[s[3]], KEYS[s[2]])
    redis.call('PEXPIRE', KEYS[s[2]], 60000)
  elseif op == 'countnot' then
    -- Most projects have no merged visitor at all: then a count is one BITCOUNT, no BITOP.
    local b = s[4]
    if empty[b] == nil then empty[b] = redis.call('BITCOUNT', KEYS[b]) == 0 end
    if empty[b] then
      out[#out + 1] = redis.call('BITCOUNT', KEYS[s[3]])
    else
      redis.call('BITOP', 'AND', KEYS[s[2]], KEYS[s[3]], KEYS[b])
      redis.call('BITOP', 'XOR', KEYS[s[2]], KEYS[s[3]], KEYS[s[2]])
      redis.call('PEXPIRE', KEYS[s[2]], 60000)
      out[#out + 1] = redis.call('BITCOUNT', KEYS[s[2]])
    end
  elseif op == 'count' then
    out[#out + 1] = redis.call('BITCOUNT', KEYS[s[2]])
  elseif op == 'get' then
    out[#out + 1] = redis.call('GET', KEYS[s[2]]) or ''
  elseif op == 'hsum' then
    local sum = 0
    for i = 3, #s do sum = sum + tonumber(redis.call('HGET', KEYS[s[i]], s[2]) or '0') end
    out[#out + 1] = sum
  end
end
for i = 2, #ARGV do redis.call('DEL', KEYS[tonumber(ARGV[i])]) end
return out
`;

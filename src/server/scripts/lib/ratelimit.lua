-- lib/ratelimit.lua: the limiter (GCRA, as redis-cell) that submit.lua and
-- edit.lua share, so that an edit counts against the author's limits in
-- the very states a submission does (docs/rate-limits.md). A script says
-- "-- uses: ratelimit" and calls mg_rl_take, then, once nothing can refuse
-- any more, mg_rl_commit with what mg_rl_take returned.
--
-- dims[i] is a dimension's limits as the store writes them (store_link.c,
-- add_limits_prologue): {name = "author", field = "author:10/60:",
-- interval_ms, window_ms, ...}; values[i] what it keys on. A state is the
-- limits' theoretical arrival times in ms as little-endian doubles
-- (struct.pack): exact, and read and written without number formatting,
-- which printed with Lua's 14 digits would round them to a tenth of a
-- millisecond (a limit of more than ten thousand a second would then never
-- advance, or advance too far).
--
-- The states live in generation hashes, hash .. g for the generation
-- g = floor(now / generation), generation being the longest window of all
-- the configured limits. A state is written to the current generation's
-- hash and read from it or, when it is not there, from the previous one: a
-- state written two generations back or earlier has passed (its times are
-- at most a window past its writing), so two generations hold every state
-- that matters. The first write of a generation gives its hash an expiry a
-- generation after its last reader and unlinks the hash two generations
-- back (freed in Redis' background thread however large it is). Why not a
-- key per state with its own expiry: this writes all of a submission's
-- states with one HSET and keeps no expiry per state, which
-- tests/bench/submit measured at about half the limiter's Redis time.
--
-- Returns {'limited', dimension, retry_after_s} when a limit refuses (and
-- nothing is to be written), else nil and the writes for mg_rl_commit.
local function mg_rl_take(dims, values, hash, generation, now)
  local fields = {}
  for d = 1, #dims do fields[d] = dims[d].field .. values[d] end
  local gen = math.floor(now / generation)
  local current = hash .. gen
  local states = redis.call('HMGET', current, unpack(fields))
  local missing = {}
  for d = 1, #fields do
    if not states[d] then missing[#missing + 1] = d end
  end
  if #missing > 0 then
    local wanted = {}
    for k = 1, #missing do wanted[k] = fields[missing[k]] end
    local older = redis.call('HMGET', hash .. (gen - 1), unpack(wanted))
    for k = 1, #missing do states[missing[k]] = older[k] end
  end
  local formats = {'<d', '<dd', '<ddd', '<dddd'}
  local unpackd = struct.unpack
  local worst_dim, worst_wait = nil, 0
  local writes, new = {}, {}
  for d = 1, #dims do
    local limits, state = dims[d], states[d]
    local n = #limits / 2
    -- a state of another shape (from an older modgate): afresh
    if state and #state ~= 8 * n then state = false end
    for i = 1, n do
      local tat = state and unpackd('<d', state, 8 * i - 7) or now
      if tat < now then tat = now end
      local new_tat = tat + limits[2 * i - 1]
      local wait = new_tat - limits[2 * i] - now -- count may come at once
      if wait > worst_wait then
        worst_dim, worst_wait = limits.name, wait
      end
      new[i] = new_tat
    end
    writes[2 * d - 1] = fields[d]
    writes[2 * d] = struct.pack(formats[n], unpack(new, 1, n))
  end
  if worst_dim then
    return {'limited', worst_dim, tostring(math.ceil(worst_wait / 1000))}
  end
  return nil, {hash = hash, current = current, gen = gen, generation = generation,
               writes = writes,
               -- perhaps new: no state of this call was there
               new = #missing == #fields}
end

local function mg_rl_commit(taken)
  if not taken then return end
  redis.call('HSET', taken.current, unpack(taken.writes))
  if taken.new and redis.call('PEXPIREAT', taken.current,
      (taken.gen + 3) * taken.generation, 'NX') == 1 then
    redis.call('UNLINK', taken.hash .. (taken.gen - 2))
  end
end

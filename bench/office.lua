-- wrk script of bench/office.py: what each connection sends, and what comes back.
--
-- WRK_MODE   get     the URL given to wrk, with WRK_COOKIE if set (pages, /healthz)
--            submit  POST /api/v1/dossiers: the multipart bodies WRK_BODIES (files, one per
--                    line of that list) in turn, the bearer tokens of WRK_TOKENS in turn, a new
--                    Idempotency-Key on every request
--            lookup  GET /api/v1/lookup?code=&phone= from the "code phone" lines of WRK_PAIRS
-- WRK_OUT    file the results are written to (first line JSON, then one server time per line)
-- Every request says X-Forwarded-Proto: https (nginx terminates TLS in production) and comes
-- from its own X-Real-IP (nginx sets it; the look-up limit counts per address).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(out, line)
    end
  end
  return out
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function init(args)
  mode = os.getenv("WRK_MODE") or "get"
  n = 0
  timings = {}
  statuses = {}
  nonce = os.getenv("WRK_NONCE") or "run"
  if mode == "submit" then
    bodies, types = {}, {}
    for _, line in ipairs(lines(os.getenv("WRK_BODIES"))) do
      local path, ctype = line:match("^(%S+) (.+)$")
      table.insert(bodies, slurp(path))
      table.insert(types, ctype)
    end
    tokens = lines(os.getenv("WRK_TOKENS"))
  elseif mode == "lookup" then
    pairs_ = {}
    for _, line in ipairs(lines(os.getenv("WRK_PAIRS"))) do
      local code, phone = line:match("^(%S+) (%S+)$")
      table.insert(pairs_, "/api/v1/lookup?code=" .. code .. "&phone=" .. phone:gsub("%+", "%%2B"))
    end
  end
  local cookie = os.getenv("WRK_COOKIE")
  if cookie and cookie ~= "" then
    wrk.headers["Cookie"] = cookie
  end
  wrk.headers["X-Forwarded-Proto"] = "https"
end

local function address(k)
  -- 10.t.x.y: a different citizen behind the proxy every request, up to 65,536 per thread
  return string.format("10.%d.%d.%d", id % 256, math.floor(k / 256) % 256, k % 256)
end

function request()
  n = n + 1
  local headers = { ["X-Real-IP"] = address(n) }
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  if mode == "submit" then
    local i = (n + id) % #bodies + 1
    headers["Authorization"] = "Bearer " .. tokens[(n * 7 + id) % #tokens + 1]
    headers["Content-Type"] = types[i]
    headers["Idempotency-Key"] = string.format("%s-%d-%d", nonce, id, n)
    return wrk.format("POST", "/api/v1/dossiers", headers, bodies[i])
  elseif mode == "lookup" then
    return wrk.format("GET", pairs_[(n * 13 + id * 7919) % #pairs_ + 1], headers)
  end
  return wrk.format(nil, nil, headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local timing = headers["Server-Timing"] or headers["server-timing"]
  if timing then
    local ms = timing:match("dur=([%d%.]+)")
    if ms then
      table.insert(timings, ms)
    end
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("WRK_OUT"), "w"))
  local codes = {}
  local merged = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do
      merged[code] = (merged[code] or 0) + count
    end
  end
  for code, count in pairs(merged) do
    table.insert(codes, string.format('"%d": %d', code, count))
  end
  local e = summary.errors
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "non_2xx_3xx": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
      .. '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.timeout, e.status, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, table.concat(codes, ", ")
  ))
  for _, thread in ipairs(threads) do
    for _, ms in ipairs(thread:get("timings")) do
      out:write(ms, "\n")
    end
  end
  out:close()
end

-- wrk's script for the bench: bench/perf/load.ts writes the spec it reads and parses the line done() prints.
-- The spec (a Lua file named by BENCH_WRK_SPEC) gives the method, path and headers, the bodies to pick
-- from at random (POST /orders: an order of one unit of a random product of the catalogue) and a prefix
-- for `{{unique}}`: in a header value or a body it becomes a UUID new on every request (POST /orders sends
-- `Idempotency-Key: {{unique}}`). Every answer's status is counted, so the harness counts any non-2xx as
-- an error (wrk's own summary counts only socket errors and statuses above 399). One JSON line, after
-- its marker, when the run ends.
local spec = dofile(os.getenv("BENCH_WRK_SPEC"))

wrk.method = spec.method
wrk.path = spec.path
wrk.headers = spec.headers
wrk.body = spec.bodies[1]

local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("id", count)
  table.insert(threads, thread)
end

statuses = {}
local sent = 0

function init(args)
  math.randomseed(os.time() + (id or 0) * 7919)
end

if #spec.bodies > 1 or spec.unique ~= nil then
  local headers = {}
  function request()
    sent = sent + 1
    -- 12 hex digits: the thread in the top 16 bits, its request count below.
    local unique = spec.unique and (spec.unique .. string.format("%04x%08x", id or 0, sent)) or ""
    for name, value in pairs(spec.headers) do
      headers[name] = (string.gsub(value, "{{unique}}", unique))
    end
    local body = spec.bodies[math.random(#spec.bodies)]
    if body ~= nil then
      body = string.gsub(body, "{{unique}}", unique)
    end
    return wrk.format(nil, nil, headers, body)
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local codes = {}
  for code, n in pairs(merged) do
    codes[#codes + 1] = string.format('"%d":%d', code, n)
  end
  local e = summary.errors
  io.write(string.format(
    '\nBENCH_WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,' ..
      '"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d},' ..
      '"statuses":{%s}}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(codes, ",")))
end

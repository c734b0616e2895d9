-- wrk script for bench/api_bench.sh: each request picks one URL at random from a list.
--
--   API_URLS=one_word.urls API_OUT=result.json wrk -t2 -c16 -d20s --timeout 30s \
--       -H 'X-API-Key: bench' -s bench/api_wrk.lua http://127.0.0.1:PORT
--
-- API_URLS is a file of request targets, one a line (`/api/v1/works?q=...`), as written by
-- bench/api_queries.py. Each wrk thread has its own Lua state, seeded differently, and draws
-- uniformly from the list (with replacement), so the server sees the queries in random order and
-- repeats only by chance. Headers (X-API-Key) come from wrk's -H, which wrk.format keeps.
-- done() writes one JSON object to API_OUT: requests, bytes, duration, errors (connect, read,
-- write, timeout, and `status`: responses that are not 2xx/3xx), latency percentiles in µs.

local urls = {}
local path = os.getenv("API_URLS")
if path == nil then error("set API_URLS to a file of request targets") end
for line in io.lines(path) do
  if #line > 0 then urls[#urls + 1] = line end
end
if #urls == 0 then error("no URLs in " .. path) end

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

function init(args)
  math.randomseed(7919 * (thread_index or 1) + os.time())
end

function request()
  return wrk.format("GET", urls[math.random(#urls)])
end

local function jsonstr(s)
  return '"' .. tostring(s):gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function done(summary, latency, requests)
  local out = os.getenv("API_OUT")
  local e = summary.errors
  local fields = {
    string.format('"requests": %d', summary.requests),
    string.format('"bytes": %d', summary.bytes),
    string.format('"duration_us": %d', summary.duration),
    string.format('"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us": {"min": %d, "mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}',
      latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max),
    string.format('"urls": %d', #urls),
    '"urls_file": ' .. jsonstr(path),
  }
  local text = "{" .. table.concat(fields, ", ") .. "}\n"
  if out then
    local f = assert(io.open(out, "w"))
    f:write(text)
    f:close()
  else
    io.write(text)
  end
end

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

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrk_common.lua")
local urls, path = common.load_urls("API_URLS")

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

function done(summary, latency, requests)
  common.report(summary, latency, "API_OUT", urls, path)
end

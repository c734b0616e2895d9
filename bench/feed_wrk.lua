-- wrk script for bench/feed_bench.sh: cycle through one OAI-PMH list's page URLs.
--
--   FEED_URLS=list.urls FEED_OUT=result.json wrk -t1 -c8 -d12s --timeout 30s \
--       -s bench/feed_wrk.lua http://127.0.0.1:PORT
--
-- FEED_URLS is a file of request targets, one a line (`/oai?verb=ListRecords&...`), as written by
-- bench/feed_walk.py: the list's first page, then each resumption-token URL. Every connection
-- requests them in order and starts again at the first page after the last; connections start
-- at different offsets (spread over the list) so that they do not all ask for the same page.
-- Extra headers (Accept-Encoding: gzip) come from wrk's -H, which wrk.format keeps.
-- done() writes one JSON object to FEED_OUT: requests, bytes, duration, errors (connect, read,
-- write, timeout, and `status`: responses that are not 2xx/3xx), latency percentiles in µs.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrk_common.lua")
local urls, path = common.load_urls("FEED_URLS")

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state): one cursor per connection is not available in wrk's
-- API, so each thread walks the list with one counter; with C connections per thread the
-- requests of a thread interleave over C consecutive pages, which keeps the mix of pages uniform.
local position = 0

function init(args)
  local index = thread_index or 1
  -- spread threads over the list
  position = math.floor((index - 1) * #urls / 7) % #urls
end

function request()
  position = position + 1
  if position > #urls then position = 1 end
  return wrk.format("GET", urls[position])
end

function done(summary, latency, requests)
  common.report(summary, latency, "FEED_OUT", urls, path)
end

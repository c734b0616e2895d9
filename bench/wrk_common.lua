-- Shared by bench/api_wrk.lua and bench/feed_wrk.lua (loaded with dofile from the same folder):
-- the list of request targets a run cycles or draws from, and the JSON report done() writes.
local M = {}

-- The request targets in the file named by the environment variable `var`, one a line.
function M.load_urls(var)
  local path = os.getenv(var)
  if path == nil then error("set " .. var .. " to a file of request targets") end
  local urls = {}
  for line in io.lines(path) do
    if #line > 0 then urls[#urls + 1] = line end
  end
  if #urls == 0 then error("no URLs in " .. path) end
  return urls, path
end

local function jsonstr(s)
  return '"' .. tostring(s):gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

-- One JSON object to the file named by the environment variable `out_var` (or stdout):
-- requests, bytes, duration, errors (connect, read, write, timeout, and `status`: responses that
-- are not 2xx/3xx), latency percentiles in µs, and which URL list was used.
function M.report(summary, latency, out_var, urls, path)
  local out = os.getenv(out_var)
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

return M

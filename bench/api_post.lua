-- POST /api/v1/today in append mode for wrk (bench/run.py writes the data file).
--
-- Each request is one poster's git hook: a commit line appended to today's entry (the
-- first request of a poster creates it), with that poster's own token. Consecutive
-- requests go to different posters, so no two requests in flight write one entry.
-- 200 (appended) and 201 (created) count as done; anything else is counted and
-- reported by done().
--
-- Data file: one token per poster, one a line. Arguments: <data file> <number of wrk threads>.

local pool = {}
local counter = 0
local threads = {}
local body = '{"progress": "- Parse ISO dates in the importer ([3f9c2a1](https://github.com/example/app/commit/3f9c2a1))", "mode": "append"}'

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2]) or 1
  local i = 0
  for line in io.lines(args[1]) do
    if line ~= "" and i % nthreads == id then
      pool[#pool + 1] = {
        ["Authorization"] = "Bearer " .. line,
        ["Content-Type"] = "application/json",
        ["Accept-Language"] = "en",
      }
    end
    i = i + 1
  end
  redirects = 0
  others = 0
end

function request()
  local headers = pool[(counter % #pool) + 1]
  counter = counter + 1
  return wrk.format("POST", "/api/v1/today", headers, body)
end

function response(status, headers, body)
  if status == 200 or status == 201 then
    redirects = redirects + 1
  else
    others = others + 1
  end
end

function done(summary, latency, requests)
  local r, o = 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("redirects")
    o = o + t:get("others")
  end
  io.write(string.format("bench-post: redirects=%d others=%d exhausted=0\n", r, o))
end

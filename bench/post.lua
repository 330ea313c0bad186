-- The "log today" POST for wrk (bench/run.py writes the data file).
--
-- Each request logs the next free day of one poster's round, signed in as that poster
-- (session cookie) with a CSRF cookie and the same token in the form. Consecutive
-- requests go to different posters, so a round gets its next day only after every
-- other poster got one: no two requests in flight ever race for one round or date.
-- The app answers 302 (the redirect to the new entry; not followed); anything else
-- is counted and reported by done().
--
-- Data file: line 1 the CSRF token, line 2 "<session cookie name> <CSRF cookie name>",
-- line 3 the free dates (ascending), line 4 the rest of the form (url-encoded,
-- starting with "&"), then one "<session key> <round number>" per poster.
-- Arguments: <data file> <number of wrk threads>.

local pool = {}
local dates = {}
local rest = ""
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "r"))
  local token = f:read("*l")
  local session_name, csrf_name = f:read("*l"):match("(%S+) (%S+)")
  for d in f:read("*l"):gmatch("%S+") do
    dates[#dates + 1] = d
  end
  rest = f:read("*l")
  local nthreads = tonumber(args[2]) or 1
  local i = 0
  for line in f:lines() do
    local session, number = line:match("(%S+) (%S+)")
    if session and i % nthreads == id then
      pool[#pool + 1] = {
        path = "/log/?round=" .. number,
        headers = {
          ["Cookie"] = session_name .. "=" .. session .. "; " .. csrf_name .. "=" .. token,
          ["Content-Type"] = "application/x-www-form-urlencoded",
          ["Accept-Language"] = "en",
        },
        prefix = "csrfmiddlewaretoken=" .. token .. "&round=" .. number .. "&date=",
      }
    end
    i = i + 1
  end
  f:close()
  redirects = 0
  others = 0
  exhausted = 0
end

function request()
  local n = #pool
  local p = pool[(counter % n) + 1]
  local d = dates[math.floor(counter / n) + 1]
  counter = counter + 1
  if d == nil then
    -- Out of free days: this POST will be refused (400) and counted as an error.
    exhausted = exhausted + 1
    d = dates[#dates]
  end
  return wrk.format("POST", p.path, p.headers, p.prefix .. d .. rest)
end

function response(status, headers, body)
  if status == 302 then
    redirects = redirects + 1
  else
    others = others + 1
  end
end

function done(summary, latency, requests)
  local r, o, e = 0, 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("redirects")
    o = o + t:get("others")
    e = e + t:get("exhausted")
  end
  io.write(string.format("bench-post: redirects=%d others=%d exhausted=%d\n", r, o, e))
end

-- Requests for wrk from a file bench/run.py writes, one a line:
--   METHOD <tab> PATH <tab> BODY [<tab> Header: value]...   (wrk's -H headers are added to each)
-- Arguments: <file> <order> <statuses that count as done, e.g. 302 or 200,201>.
-- "cycle" sends the lines in order, round and round: the POSTs, written so that consecutive
-- requests go to different posters and no two requests in flight write one round or date.
-- "random" draws a line at random for each request: the long tail, as a crawler or feed
-- readers spread over every public URL. done() prints "bench-requests: done=N others=M".

local lines, counter, threads = {}, 0, {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local base = {}
  for name, value in pairs(wrk.headers) do base[name] = value end
  for line in io.lines(args[1]) do
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    if #f >= 3 then
      local headers = base
      if #f > 3 then
        headers = {}
        for name, value in pairs(base) do headers[name] = value end
        for i = 4, #f do
          local name, value = f[i]:match("^([^:]+): (.*)$")
          headers[name] = value
        end
      end
      lines[#lines + 1] = { f[1], f[2], headers, f[3] ~= "" and f[3] or nil }
    end
  end
  at_random = args[2] == "random"
  ok = {}
  for status in (args[3] or "200"):gmatch("%d+") do ok[tonumber(status)] = true end
  math.randomseed(os.time())
  done_count, others = 0, 0
end

function request()
  local r
  if at_random then
    r = lines[math.random(#lines)]
  else
    r = lines[counter % #lines + 1]
    counter = counter + 1
  end
  return wrk.format(r[1], r[2], r[3], r[4])
end

function response(status, headers, body)
  if ok[status] then done_count = done_count + 1 else others = others + 1 end
end

function done(summary, latency, requests)
  local d, o = 0, 0
  for _, t in ipairs(threads) do
    d = d + t:get("done_count")
    o = o + t:get("others")
  end
  io.write(string.format("bench-requests: done=%d others=%d\n", d, o))
end

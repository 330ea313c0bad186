-- Requests for wrk from a file bench/run.py writes, one a line:
--   METHOD <tab> PATH <tab> BODY [<tab> Header: value]...   (wrk's -H headers are added to each)
-- Arguments: <file> <order> <statuses that count as done, e.g. 302 or 200,201>. "cycle" sends the
-- lines in order, round and round (the POSTs: consecutive requests go to different posters, so no
-- two in flight write one round or date); "random" draws one at random for each request (the long
-- tail, as a crawler or feed readers). done() prints "bench-requests: done=N others=M".

local lines, counter, threads = {}, 0, {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  for line in io.lines(args[1]) do
    local f, headers = {}, wrk.headers
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    if #f > 3 then
      headers = {}
      for name, value in pairs(wrk.headers) do headers[name] = value end
      for i = 4, #f do
        local name, value = f[i]:match("^([^:]+): (.*)$")
        headers[name] = value
      end
    end
    if #f >= 3 then lines[#lines + 1] = { f[1], f[2], headers, f[3] ~= "" and f[3] or nil } end
  end
  at_random, ok, done_count, others = args[2] == "random", {}, 0, 0
  for status in args[3]:gmatch("%d+") do ok[tonumber(status)] = true end
  math.randomseed(os.time())
end

function request()
  counter = counter + 1
  local r = at_random and lines[math.random(#lines)] or lines[(counter - 1) % #lines + 1]
  return wrk.format(r[1], r[2], r[3], r[4])
end

function response(status)
  if ok[status] then done_count = done_count + 1 else others = others + 1 end
end

function done()
  local d, o = 0, 0
  for _, t in ipairs(threads) do d, o = d + t:get("done_count"), o + t:get("others") end
  io.write(string.format("bench-requests: done=%d others=%d\n", d, o))
end

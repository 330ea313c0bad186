-- The "long tail" for wrk: every request a path drawn at random from a file, as a crawler
-- or feed readers spread over every public URL send them (bench/run.py writes the file,
-- one path a line). Argument: <path file>.

local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  -- Each thread its own sequence.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], {
    ["Accept-Language"] = "en-US,en;q=0.9",
    ["User-Agent"] = "hundreddays-bench-tail",
  })
end

-- screen.lua: wrk script for POST /v1/screen.  Reads one JSON body a line
-- from BODIES (default bodies.jsonl), the bearer token from TOKEN, and
-- sends the bodies round-robin (each thread starts at its own offset).
-- Counts non-200 answers and reports them at the end.  With RATE and
-- CONNS set, each connection waits CONNS*1000/RATE ms between requests
-- (wrk's delay()), so the offered load is about RATE requests/s instead of
-- as many as the server can take.
local bodies = {}
local token = os.getenv("TOKEN") or ""
local path = os.getenv("BODIES") or "bodies.jsonl"
for line in io.lines(path) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local reqs = {}

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

-- Formatted here, not at load time: wrk.format adds the Host header only
-- once wrk knows the URL.
function init(args)
  for i, b in ipairs(bodies) do
    reqs[i] = wrk.format("POST", "/v1/screen", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
    }, b)
  end
  n = (id * 7919) % #reqs
  bad = 0
end

local pause = nil
if os.getenv("RATE") and os.getenv("CONNS") then
  pause = tonumber(os.getenv("CONNS")) * 1000 / tonumber(os.getenv("RATE"))
end

if pause then
  function delay()
    return pause
  end
end

function request()
  n = n % #reqs + 1
  return reqs[n]
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write(string.format("non-200 responses: %d\n", total))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end

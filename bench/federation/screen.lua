-- screen.lua: wrk script for POST /v1/screen with partners (federation
-- benchmark).  Reads one JSON body a line from BODIES, the bearer token
-- from TOKEN, sends the bodies round-robin (each thread from its own
-- offset), and counts non-200 answers and answers in which a partner was
-- not "ok" (timeout, unavailable, ...), reported at the end.
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

function init(args)
  for i, b in ipairs(bodies) do
    reqs[i] = wrk.format("POST", "/v1/screen", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
    }, b)
  end
  n = (id * 7919) % #reqs
  bad = 0
  degraded = 0
  partner_hits = 0
end

function request()
  n = n % #reqs + 1
  return reqs[n]
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    return
  end
  if string.find(body, '"status":"timeout"', 1, true) or
     string.find(body, '"status":"unavailable"', 1, true) or
     string.find(body, '"status":"invalid_response"', 1, true) or
     string.find(body, '"status":"refused"', 1, true) or
     string.find(body, '"status":"error"', 1, true) then
    degraded = degraded + 1
  end
  if string.find(body, '"owner":"TR-EGM"', 1, true) or
     string.find(body, '"owner":"FR-DGPN"', 1, true) then
    partner_hits = partner_hits + 1
  end
end

function done(summary, latency, requests)
  local b, d, p = 0, 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    d = d + (t:get("degraded") or 0)
    p = p + (t:get("partner_hits") or 0)
  end
  io.write(string.format("non-200 responses: %d\n", b))
  io.write(string.format("partner not ok: %d\n", d))
  io.write(string.format("answers with partner hits: %d\n", p))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end

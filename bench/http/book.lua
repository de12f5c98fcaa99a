-- wrk script: POST one booking per request, each on its own slot, bodies read from a file written by
-- `Bookwell.Load bodies`. Thread k of n sends lines k+1, k+1+n, ... so no body is sent twice.
-- Usage: wrk -t2 -c64 -d8s -s bench/http/book.lua <base>/api/v1/admin/bookings -- <bodies-file> <bearer-key> <threads>
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  nthreads = tonumber(args[3])
  index = id + 1
  created, conflicts, others = 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end

function request()
  local body = bodies[index]
  if body == nil then
    wrk.thread:stop()
    body = bodies[1]
  end
  index = index + nthreads
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 409 then
    conflicts = conflicts + 1
  else
    others = others + 1
  end
end

function done(summary, latency, requests)
  local c, k, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    k = k + t:get("conflicts")
    o = o + t:get("others")
  end
  io.write(string.format("book: %d responses in %.2f s, %.0f req/s, median %.1f ms, p99 %.1f ms, max %.1f ms; 201: %d, 409: %d, other: %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, c, k, o))
end

-- wrk script: GET /slots of a mobile service, each request from another visitor's address (latitude and longitude):
-- the points of a sunflower spiral over the 9 km around the bench-mobile page's base, as Bookwell.Load's MobileBase.Spread
-- spreads the seeded visits over 9.5 km. Each thread walks its own part of the 1,000 points.
-- Usage: wrk -t2 -c32 -d10s -s bench/http/slots-mobile.lua <base> -- "<path and query without the place>" <threads>
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  path = args[1]
  index = id * 500
  local lat0, lon0, radius = 52.0907, 5.1214, 9
  places = {}
  for n = 0, 999 do
    local r = radius * math.sqrt((n + 0.5) / 1000)
    local angle = n * 2.399963229728653
    local lat = lat0 + r * math.cos(angle) / 111.195
    local lon = lon0 + r * math.sin(angle) / (111.195 * math.cos(lat0 * math.pi / 180))
    places[n + 1] = string.format("&latitude=%.6f&longitude=%.6f", lat, lon)
  end
end

function request()
  index = index + 1
  return wrk.format("GET", path .. places[(index % 1000) + 1])
end

-- wrk script: GET one random dwelling's JSON (ids 1..MAX from the environment).
local max = tonumber(os.getenv("RB_MAX_DWELLING") or "1000000")
local token = os.getenv("RB_TOKEN")
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/v1/dwellings/" .. math.random(1, max), { ["Authorization"] = "Bearer " .. token })
end

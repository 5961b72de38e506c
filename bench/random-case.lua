-- wrk script: GET one random case (ids 1..RB_MAX_CASE) as a case worker of the whole district.
local max = tonumber(os.getenv("RB_MAX_CASE") or "1000")
local token = os.getenv("RB_TOKEN")
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/cases/" .. math.random(1, max), { ["Authorization"] = "Bearer " .. token })
end

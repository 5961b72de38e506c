-- wrk script: GET the first page (50) of a random compound's dwellings (ids 1..MAX).
local max = tonumber(os.getenv("RB_MAX_COMPOUND") or "2000")
local token = os.getenv("RB_TOKEN")
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/compounds/" .. math.random(1, max) .. "/dwellings?limit=50", { ["Authorization"] = "Bearer " .. token })
end

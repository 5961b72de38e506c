-- wrk script: the first page of a filtered queue (open cases of a random demo compound, one status).
local token = os.getenv("RB_TOKEN")
local statuses = { "in_progress", "dispatched", "submitted" }
math.randomseed(11)
request = function()
  local path = "/api/v1/cases?show=open&compound_id=" .. math.random(1, 5) .. "&status=" .. statuses[math.random(1, 3)] .. "&limit=50"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

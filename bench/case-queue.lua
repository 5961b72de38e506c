-- wrk script: the first page of a filtered queue: the open cases of a random demo compound,
-- 50 a page. With 1,000 cases every demo compound has more than 50 open ones, so both databases
-- answer full pages and the comparison is of the same work (a status filter too would leave the
-- pages of the small database a third full and flatter it).
local token = os.getenv("RB_TOKEN")
math.randomseed(11)
request = function()
  local path = "/api/v1/cases?show=open&compound_id=" .. math.random(1, 5) .. "&limit=50"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

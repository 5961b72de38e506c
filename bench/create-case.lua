-- wrk script: a resident reports a case (POST /api/v1/cases), JSON, Bearer token.
local token = os.getenv("RB_RESIDENT_TOKEN")
local compound = os.getenv("RB_COMPOUND") or "1"
request = function()
  return wrk.format("POST", "/api/v1/cases",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
    '{"kind":"complaint","category":"pets_noise","compound_id":' .. compound .. ',"description":"bench: dogs barking at building 3"}')
end

-- wrk script: the convenor keys in paper ballots (POST /api/v1/decisions/{id}/ballots), one head
-- after another so that every request is a new, valid ballot. Each wrk thread takes every
-- THREADS-th head; RB_ITEM picks the agenda item.
local token = os.getenv("RB_TOKEN")
local decision = os.getenv("RB_DECISION")
local item = os.getenv("RB_ITEM") or "1"
local threads = tonumber(os.getenv("RB_THREADS") or "2")
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("first", counter)
  counter = counter + 1
end

function init(args)
  next_id = first + 1
end

request = function()
  local head = next_id
  next_id = next_id + threads
  local choices = { "agree", "agree", "agree", "disagree", "abstain" }
  local body = '{"channel":"paper","head":' .. head .. ',"ballot_number":"B' .. head ..
    '","choices":[{"item":' .. item .. ',"choice":"' .. choices[(head % 5) + 1] .. '"}]}'
  return wrk.format("POST", "/api/v1/decisions/" .. decision .. "/ballots",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

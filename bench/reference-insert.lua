-- wrk script for examples/reference.rs: one SQLite insert per request.
request = function() return wrk.format("POST", "/insert", { ["Content-Type"] = "text/plain" }, "a reference row") end

-- wrk script for examples/reference.rs: one SQLite point read per request.
math.randomseed(1)
request = function() return wrk.format("GET", "/read/" .. math.random(1, 1000)) end

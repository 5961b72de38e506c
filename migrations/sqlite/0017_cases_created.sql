-- Open311 lists: the requests of a time window, newest first, read backwards from the window's end.
CREATE INDEX cases_created ON cases(created_at, id);

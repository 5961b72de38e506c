-- The day a letter or visit arrived, when it is registered later (RULES.md §2): the petition's
-- clock runs from it. YYYY-MM-DD, Asia/Shanghai; NULL: received the day it was registered.
ALTER TABLE cases ADD COLUMN received_on TEXT;

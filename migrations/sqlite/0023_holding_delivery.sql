-- A buyer counts as an owner from delivery (交付), not from the purchase (RULES.md §1): until the
-- date here, a unit sold by the developer stays in the developer's head. NULL: delivered (or a
-- holding that was never the developer's).
ALTER TABLE holdings ADD COLUMN delivered_on TEXT;

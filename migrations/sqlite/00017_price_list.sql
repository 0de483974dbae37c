-- +goose Up
-- The price list (价目表): each change of an item's price is a new version
-- of its code, valid from a day (YYYY-MM-DD, UTC). Versions are never
-- edited; (code, version) is unique, so of two changes at once one wins.
CREATE TABLE price_items (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    unit_price  INTEGER NOT NULL,
    valid_from  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    CONSTRAINT price_items_code_version UNIQUE (code, version)
);
-- The price on the day: the latest version of a code from on or before it.
CREATE INDEX price_items_code_day ON price_items (code, valid_from, version);

-- What priced each line; lines recorded before the list were typed.
ALTER TABLE bill_lines ADD COLUMN code TEXT;
ALTER TABLE bill_lines ADD COLUMN off_list BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE bill_lines ADD COLUMN price_item_id TEXT;
ALTER TABLE bill_lines ADD COLUMN list_price INTEGER;
ALTER TABLE bill_lines ADD COLUMN price_override_reason TEXT;
UPDATE bill_lines SET code = part_code;
-- Managers' list of lines priced by hand, keyset-paged by id.
CREATE INDEX bill_lines_off_list ON bill_lines (id) WHERE off_list;

-- +goose Down
DROP INDEX bill_lines_off_list;
ALTER TABLE bill_lines DROP COLUMN price_override_reason;
ALTER TABLE bill_lines DROP COLUMN list_price;
ALTER TABLE bill_lines DROP COLUMN price_item_id;
ALTER TABLE bill_lines DROP COLUMN off_list;
ALTER TABLE bill_lines DROP COLUMN code;
DROP TABLE price_items;

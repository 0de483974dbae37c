-- +goose Up
-- The price list (价目表): each change of an item's price is a new version
-- of its code, valid from a day (YYYY-MM-DD, UTC). Versions are never
-- edited; (code, version) is unique, so of two changes at once one wins.
CREATE TABLE price_items (
    id          uuid PRIMARY KEY,
    code        text NOT NULL,
    version     integer NOT NULL,
    kind        text NOT NULL,
    name        text NOT NULL,
    unit        text NOT NULL,
    unit_price  bigint NOT NULL,
    valid_from  text NOT NULL,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT price_items_code_version UNIQUE (code, version)
);
-- The price on the day: the latest version of a code from on or before it.
CREATE INDEX price_items_code_day ON price_items (code, valid_from, version);

-- What priced each line; lines recorded before the list were typed.
ALTER TABLE bill_lines ADD COLUMN code text;
ALTER TABLE bill_lines ADD COLUMN off_list boolean NOT NULL DEFAULT true;
ALTER TABLE bill_lines ADD COLUMN price_item_id uuid;
ALTER TABLE bill_lines ADD COLUMN list_price bigint;
ALTER TABLE bill_lines ADD COLUMN price_override_reason text;
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

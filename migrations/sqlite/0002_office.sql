-- Which office wrote an audit row or placed a call ("city" or a district code): the same
-- columns as the shared PostgreSQL store, where many offices write to one database.
ALTER TABLE audit ADD COLUMN office TEXT NOT NULL DEFAULT '';
ALTER TABLE call_log ADD COLUMN office TEXT NOT NULL DEFAULT '';

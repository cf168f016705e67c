-- FerretDB 1.24 filters with `_jsonb->'field' @> value`, which the btree expression index it
-- makes for a MongoDB index cannot serve: every filtered find, count and deleteMany scanned the
-- whole table (98 ms at 200,000 documents, growing with history). Beside each index FerretDB
-- creates, a GIN index on the same expression serves `@>` (4.9 ms deleteMany, 3.4 ms count at
-- 200,000). Run by deploy/local/lib/postgres.sh at each `up`; idempotent.

-- The GIN twin of one of FerretDB's btree indexes (its first key); anything else is left alone.
CREATE OR REPLACE FUNCTION lethe_gin_twin(btree_index oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  method text;
  table_name regclass;
  expression text;
BEGIN
  SELECT am.amname, ix.indrelid::regclass INTO method, table_name
    FROM pg_class c JOIN pg_am am ON am.oid = c.relam JOIN pg_index ix ON ix.indexrelid = c.oid
   WHERE c.oid = btree_index;
  IF method IS DISTINCT FROM 'btree' THEN RETURN; END IF;
  -- e.g. ((_jsonb -> 'subjectId'::text)): only FerretDB's own document keys.
  expression := pg_get_indexdef(btree_index, 1, false);
  IF expression !~ '^\(*_jsonb -> ' THEN RETURN; END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s)',
                 'lethe_gin_' || md5(btree_index::text || expression), table_name, expression);
END
$$;

CREATE OR REPLACE FUNCTION lethe_gin_for_ferretdb_index() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN SELECT objid FROM pg_event_trigger_ddl_commands()
                 WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM lethe_gin_twin(created.objid);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS lethe_gin_for_ferretdb_index;
CREATE EVENT TRIGGER lethe_gin_for_ferretdb_index ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION lethe_gin_for_ferretdb_index();

-- Indexes made before the trigger existed get their twin too.
SELECT lethe_gin_twin(ix.indexrelid)
  FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public');

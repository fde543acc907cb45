-- The tables the harness's built-in workloads read and write, as the local provider seeds them
-- (src/providers/local.ts seedPostgres): `items` for the PostgreSQL MCP server's queries (10 000
-- rows) and `coordination_log` for the RPO writer.
-- Run once, by the image's entry point, when the cluster is first initialised.
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, payload text NOT NULL);
INSERT INTO items SELECT g, 'item ' || g, md5(g::text) FROM generate_series(1, 10000) AS g;
ANALYZE items;
CREATE TABLE coordination_log (seq bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now());

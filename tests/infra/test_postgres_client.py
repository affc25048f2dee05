"""URL handling for the local and external PostgreSQL servers."""

from hypothesis import given
from hypothesis import strategies as st

from infra.postgres.client import local_url, redact, with_database

passwords = st.text(
    alphabet=st.characters(categories=("L", "N"), max_codepoint=127),
    min_size=1,
    max_size=30,
)


def test_local_url_uses_loopback():
    assert local_url(15432, "lapor") == "postgresql://postgres@127.0.0.1:15432/lapor"


@given(password=passwords)
def test_redact_hides_password(password):
    url = f"postgresql://gateway:{password}@db.internal:5432/lapor"

    redacted = redact(url)

    assert redacted == "postgresql://gateway:***@db.internal:5432/lapor"


def test_redact_keeps_url_without_password():
    url = "postgresql://postgres@127.0.0.1:15432/lapor"

    assert redact(url) == url


def test_redact_keeps_query():
    url = "postgresql://app:secret@127.0.0.1/lapor?sslmode=require"

    assert redact(url) == "postgresql://app:***@127.0.0.1/lapor?sslmode=require"


def test_with_database_replaces_path():
    url = "postgresql://postgres@127.0.0.1:15432/lapor?connect_timeout=5"

    assert with_database(url, "t_1") == (
        "postgresql://postgres@127.0.0.1:15432/t_1?connect_timeout=5"
    )

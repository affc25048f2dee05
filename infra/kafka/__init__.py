"""A local Apache Kafka in KRaft mode: provisioning, processes and topic admin."""

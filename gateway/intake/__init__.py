"""The command intakes: HTTP and Kafka share one pipeline."""

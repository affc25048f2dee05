"""Helpers shared by the test suites: local services, topics and bounded waits."""

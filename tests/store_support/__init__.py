"""Helpers for the store's tests: batch builders, a thread-leak check, the ingest child process."""

"""Conventions shared by every HTTP API of the project: errors, pagination, throttling, schema."""

"""Small helpers shared by every app (no domain knowledge)."""

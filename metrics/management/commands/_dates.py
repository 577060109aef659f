"""Shared argument parsing for the commands that take days."""
from datetime import date


def iso_day(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"{value!r} is not a day (YYYY-MM-DD)") from None

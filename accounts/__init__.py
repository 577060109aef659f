"""Merchant accounts: the staff users of a merchant and their API tokens (django-rest-knox)."""

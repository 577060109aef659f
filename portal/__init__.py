"""The merchants' read model: selectors and presenters for one merchant, shared by merchant_api and
merchant_web (neither of which imports the other)."""

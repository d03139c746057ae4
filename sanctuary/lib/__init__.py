"""Helpers with no domain of their own."""

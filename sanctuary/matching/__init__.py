"""Duplicate finding in the product (Django): blind-indexed keys, the review queue, merge,
scans and partner linkage. The engine itself is the Django-free ``sanctuary.linkage``."""

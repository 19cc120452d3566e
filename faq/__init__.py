"""Domain core of InfoMigra: FAQ models, shipped content, text normalisation, matching,
store, stats.

This package imports neither ``bot`` nor ``admin_api`` nor ``infomigra`` and reads no environment:
every dependency (Redis client, clock, options) is passed in by the composition root.
"""

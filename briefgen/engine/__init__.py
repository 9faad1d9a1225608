"""The incremental engine: content keys, what is stale, the one state store, the workers.

Nothing here knows how a brief looks; build.py and site/ hand it targets and render functions.
"""

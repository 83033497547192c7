"""NePS's own spellings of things neps_like does its own way.

Each module maps one group of NePS names onto neps_like: ``trials`` (``UserResultDict``,
``import_trials``, ``load_trials_from_pickle``). ``docs/migrating_from_neps.md`` lists
every name and what differs.
"""

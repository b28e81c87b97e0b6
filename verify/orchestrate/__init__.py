"""Orchestrating sweeps: configurations grouped into batches, trained here or on Ray, stored as they finish.

Depends on ``superdyn.verify.run`` and ``superdyn.verify.store``.
"""

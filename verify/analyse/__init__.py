"""Analysing runs: the exponent measurement (Eq. 9 fits with their windows) and claims with verdicts.

Depends on ``superdyn.theory`` and ``superdyn.numerics`` only.
"""

"""Running a model: run configurations, the sampler, the optimisers, the models and the training loop.

The bottom layer of ``superdyn.verify``: it imports nothing else from ``superdyn.verify``.
"""

"""Running a model: run configurations, the sampler, the optimisers, the models and the training loop.

The bottom layer of ``verify``: it imports nothing else from ``verify``.
"""

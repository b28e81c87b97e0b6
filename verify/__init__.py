"""superdyn.verify: simulations, experiments, result store, plots, report and the CLI.

The only package that imports torch.
"""

__all__: list[str] = []

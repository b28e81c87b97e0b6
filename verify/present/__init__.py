"""Presenting: the figures (``plots``) and the report's Markdown and HTML.

Depends on ``superdyn.verify.run``, ``superdyn.verify.store`` and ``superdyn.verify.analyse``.
"""

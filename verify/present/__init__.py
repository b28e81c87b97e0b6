"""Presenting: the figures (``plots``) and the report's Markdown and HTML.

Depends on ``verify.run``, ``verify.store`` and ``verify.analyse``.
"""

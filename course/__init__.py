"""Cosmetic cryotherapy: a Jupyter training course for trainee cosmetologists.

Training material, not medical advice. See README.md and docs/architecture.md.
"""

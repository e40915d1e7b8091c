"""A policy text as a value: its normal form and hash (a version's identity), its sections, its date expressions.

Part of the kernel: it imports nothing of the project outside ``palimpsest.text``. Every stage uses it.
"""

"""Palimpsest: the full history of a website's privacy policy, rebuilt from web archives.

This package holds the command line, the settings and the shared error types. It stays light to import:
Prefect, DuckDB and trafilatura are imported only by the commands that need them.
"""

__version__ = "0.1.0"

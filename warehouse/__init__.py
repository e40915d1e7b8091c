"""The DuckDB warehouse: migrations, stores, the public views and the queries over them.

The views ``captures``, ``versions``, ``changes`` and the ``policy_at`` macro are the interface; tables behind
them change only through numbered migrations in ``warehouse/schema``.
"""

from palimpsest.warehouse.db import connect, warehouse

__all__ = ["connect", "warehouse"]

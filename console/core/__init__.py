"""Layer: the core — the situation, its indicators and the domain rules (``rules``: the light, the
open steps, the KPI thresholds), with no Qt, no sockets and no database.

May import: ``server_link``'s records and plain modules (``records``, ``district``, ``workcal``,
``link_state``), numpy, the standard library. Never: PySide6, pyqtgraph, zmq, SQLAlchemy, Alembic,
``console.store``, ``console.shell``, ``widgets``, or ``server_link``'s sockets (``agent``, ``server``,
``cli``). Imported by everything above it: the views, the store and the shell. Its tests run
without Qt loaded (tests/test_layers.py).
"""

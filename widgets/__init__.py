"""Layer: the views — map, queue, case detail, department heat, streets, KPI strip, link health, time
slider — Qt widgets that show the core's situation and never compute a domain rule themselves.

May import: Qt (PySide6), pyqtgraph, folium, ``console.core`` (read-only: a view shows it and
emits signals; the shell acts on them), ``server_link``'s records and plain modules, ``resources``.
Never: ``console.store`` (a sibling) or ``console.shell`` (above), zmq, SQLAlchemy, ``server_link``'s
sockets (``agent``, ``server``, ``cli``, ``mirror``).
"""

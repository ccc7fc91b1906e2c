"""Layer: the shell, the top of the console — the composition root (``composition.build``), the
command line (``app.main``), the wall windows, the role's panels, the Qt adapters of the link
(``link_bridge``) and of the store process (``store_bridge``), ingest, repaint, replay and commands.

May import every layer below: ``widgets``, ``console.store``, ``console.core``, ``server_link``
(sockets included), ``resources``, and Qt. Nothing imports it.
"""

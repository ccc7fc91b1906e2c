"""The simulated district and its case backend (``grid-backend-sim``), inside ``server_link``'s layer.

It runs as a ``Producer`` in the reference server's thread: the ``--demo`` console embeds it on
loopback, and it runs as a process of its own too. It is the backend's stand-in, with the backend's
own rules: it imports ``server_link`` only, never the console (whose rules it does not share).
"""

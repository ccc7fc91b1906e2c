"""Layer: the link, the lowest layer of code — the wire records (msgspec), the CHP codec, the link
agent thread that owns every ZeroMQ socket, the reference CHP server, the simulator (``sim``), the
district data loader, the working calendar, and ``grid-link``.

May import: zmq, msgspec, ``resources``, the standard library (numpy and shapely only in
``district_build``, the offline build tool). Never: ``console``, ``widgets``, Qt, SQLAlchemy.
The console's core reads its records; only the shell reaches its sockets.
"""

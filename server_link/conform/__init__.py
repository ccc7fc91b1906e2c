"""``grid-link conform``: check a backend against every MUST of docs/protocol.md a client can observe.

``observe`` follows the backend and keeps every frame; ``evidence`` decodes what was kept;
``checks`` judges it, one check per rule; ``commands`` makes the test commands of
``--try-commands``; ``report`` runs it all and prints one line per check.
"""

"""The simulated district and its case backend (``grid-backend-sim``)."""

"""Data (the bottom layer): the grid map page's own script and style, loaded by ``widgets.map_page``.
No Python code; imports nothing."""

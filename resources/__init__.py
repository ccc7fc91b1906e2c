"""Layer: data, the bottom of the stack — district geometry and tables (``district``), translations
(``i18n``), the map page's script and style (``map``), the Qt style sheets (``styles``).

Code reads these files through ``importlib.resources``; the packages hold no code and import
nothing of the project (an import-linter contract says so).
"""

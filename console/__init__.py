"""The console program, in three layers of its own (docs/architecture.md; the import-linter contracts
in pyproject.toml enforce them):

* ``console.core`` — the Qt-free situation and the domain rules (lowest of the three);
* ``console.store`` — the SQLAlchemy store, run in a child process; beside the views, above the core;
* ``console.shell`` — the composition root, the windows, the CLI (highest: it may import everything).

This package itself holds no code.
"""

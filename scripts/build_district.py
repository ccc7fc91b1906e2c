"""Build the deterministic Dongcheng district data set in ``resources/district/``.

Run from the repository root::

    .venv/bin/python scripts/build_district.py [--source DIR] [--out DIR] [--catalogue FILE]

The same as ``python -m server_link.district_build``; the build lives in ``server_link/district_build/``
and its hand-written tables in ``resources/district/source/catalogue.json``.
"""

from __future__ import annotations

from server_link.district_build.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

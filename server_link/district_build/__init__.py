"""Build the deterministic Dongcheng district data set in ``resources/district/``.

Run from the repository root::

    .venv/bin/python -m server_link.district_build [--source DIR] [--out DIR] [--catalogue FILE]

(``scripts/build_district.py`` is the same command.) Inputs are the public files in
``resources/district/source``, a copy of ../shared/data/dongcheng (district outline and administrative
codes from Vonng/adcode, CC BY 4.0, GCJ-02 coordinates), and the hand-written catalogue beside them
(``catalogue.json``: street names and areas, landmarks, busy places, main roads, grid vocabularies,
departments, the case taxonomy, intake channels). Everything else -- street outlines, community
positions that the source lacks, base and unit grids, grid types and levels, cameras -- is synthesised
with a fixed seed, so two runs on the same machine produce byte-identical files. No network access is
needed.

Geometry is computed in a local metric frame (an affine equirectangular projection centred on the
district) and written as WGS84 longitude/latitude rounded to six decimals. The build needs
shapely >= 2.2 (``coverage_clean``, GEOS >= 3.14), from the ``test`` extra; nothing at run time imports
this package (an import-linter contract says so).

Modules, in the order the build uses them: ``catalogue`` (the hand-written tables), ``coords``
(GCJ-02 and the local frame), ``source`` (the adcode files), ``geometry`` (generic polygon helpers),
``streets``, ``communities``, ``grids``, ``cameras``, ``taxonomy`` (taxonomy, departments, channels),
``pipeline`` (the whole derivation and its checks), ``output`` and ``readme`` (the files), ``cli``.

Layer: an offline tool inside ``server_link``. It may import numpy, shapely, msgspec and the standard
library; never ``console`` or ``widgets``; and nothing outside it imports it (import-linter contracts).
"""

"""``python -m server_link.district_build``: build the district data set."""

from server_link.district_build.cli import main

raise SystemExit(main())

"""The build command: ``python -m server_link.district_build`` (also ``scripts/build_district.py``)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from server_link.district_build.catalogue import default_catalogue_path, load_catalogue
from server_link.district_build.output import dump_json, payloads
from server_link.district_build.pipeline import District, build, check
from server_link.district_build.readme import readme


def data_dir() -> Path:
    """``resources/district`` of the installed package (the default output folder)."""
    return Path(str(resources.files("resources.district")))


def write_outputs(d: District, out: Path) -> list[Path]:
    """Write every file into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, payload in payloads(d).items():
        (out / name).write_bytes(dump_json(payload))
        written.append(out / name)
    (out / "README.md").write_bytes(readme(d).encode("utf-8"))
    written.append(out / "README.md")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m server_link.district_build",
        description="Build the deterministic Dongcheng district data set in resources/district/.",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=data_dir() / "source",
        help="directory with the adcode outline and CSV (default: resources/district/source)",
    )
    parser.add_argument(
        "--catalogue",
        type=Path,
        default=default_catalogue_path(),
        help="the hand-written catalogue (default: resources/district/source/catalogue.json)",
    )
    parser.add_argument("--out", type=Path, default=data_dir(), help="output directory (default: resources/district)")
    args = parser.parse_args(argv)
    try:
        catalogue = load_catalogue(args.catalogue)
    except (OSError, ValueError) as exc:
        parser.error(f"--catalogue {args.catalogue}: {exc}")
    started = time.perf_counter()
    district = build(args.source, catalogue)
    check(district)
    written = write_outputs(district, args.out)
    m = district.metrics
    print(
        f"wrote {len(written)} files to {args.out} in {time.perf_counter() - started:.1f} s; "
        f"coverage {100 * m.coverage:.4f} %, overlap {m.overlap_m2:.4f} m², "
        f"max street area error {max(abs(e) for e in m.street_errors):.3f} %"
    )
    return 0

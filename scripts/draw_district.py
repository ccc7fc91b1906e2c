"""Draw the generated Dongcheng district data to a PNG (dev tool; needs matplotlib).

    .venv/bin/python scripts/draw_district.py [--data resources/district] [--out docs/district.png]

Unit grids are filled by street, base-grid borders are thin, street borders thicker, cameras are
small dots; the legend names the streets in Chinese (Noto Sans CJK when installed).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Patch

ROOT = Path(__file__).resolve().parents[1]
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC")
Ring = list[tuple[float, float]]


def load(data: Path, name: str) -> Any:
    """Parse one JSON/GeoJSON file of the data set."""
    return json.loads((data / name).read_text(encoding="utf-8"))


def use_cjk_font() -> str | None:
    """Select an installed CJK font for all text; return its family name (None if missing)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            plt.rcParams["font.family"] = family
            plt.rcParams["axes.unicode_minus"] = False
            return family
    return None


def rings(geometry: dict[str, Any]) -> list[Ring]:
    """Exterior rings of a GeoJSON Polygon or MultiPolygon."""
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [[(x, y) for x, y in poly[0]] for poly in polys]


def street_colours(count: int) -> list[tuple[float, float, float, float]]:
    """Distinct pastel colours, alternating the tab20 pairs so neighbours differ."""
    cmap = matplotlib.colormaps["tab20"]
    order = [i for i in range(0, 20, 2)] + [i for i in range(1, 20, 2)]
    return [cmap(order[i % 20]) for i in range(count)]


def draw(data: Path, out: Path) -> None:
    """Render the map to ``out``."""
    family = use_cjk_font()
    if family is None:
        print("warning: no Noto Sans CJK font found; Chinese labels will not render (apt-get install fonts-noto-cjk)")
    streets = load(data, "streets.json")["streets"]
    street_shapes = load(data, "streets.geojson")["features"]
    bases = load(data, "base_grids.geojson")["features"]
    units = load(data, "unit_grids.geojson")["features"]
    cameras = load(data, "cameras.json")["cameras"]
    outline = load(data, "outline.geojson")
    index = {s["code"]: i for i, s in enumerate(streets)}
    colours = street_colours(len(streets))

    fig, ax = plt.subplots(figsize=(11, 14))
    unit_rings = [rings(u["geometry"])[0] for u in units]
    unit_colours = [colours[index[u["properties"]["street_code"]]] for u in units]
    ax.add_collection(
        PolyCollection(unit_rings, facecolors=unit_colours, edgecolors="white", linewidths=0.25, alpha=0.85)
    )
    add_lines(ax, [r for b in bases for r in rings(b["geometry"])], 0.5, "#555555")
    add_lines(ax, [r for s in street_shapes for r in rings(s["geometry"])], 1.4, "#111111")
    add_lines(ax, rings(outline["features"][0]["geometry"]), 2.2, "#000000")
    ax.scatter(
        [c["lon"] for c in cameras], [c["lat"] for c in cameras], s=2.5, c="#b0001e", linewidths=0, alpha=0.8, zorder=5
    )
    for s in streets:
        lon, lat = s["centroid"]
        ax.text(
            lon,
            lat,
            s["short_name"],
            ha="center",
            va="center",
            fontsize=9,
            zorder=6,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )
    decorate(ax, streets, colours, len(units), len(bases), len(cameras))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {out}")


def add_lines(ax: Axes, line_rings: list[Ring], width: float, colour: str) -> None:
    """Draw polygon borders."""
    ax.add_collection(LineCollection(line_rings, linewidths=width, colors=colour, zorder=3))


def decorate(
    ax: Axes, streets: list[dict[str, Any]], colours: list[Any], n_units: int, n_bases: int, n_cameras: int
) -> None:
    """Axes limits, equal-distance aspect, legend, title and attribution."""
    ax.autoscale_view()
    lat0 = sum(ax.get_ylim()) / 2
    ax.set_aspect(1.0 / math.cos(math.radians(lat0)))
    ax.set_xlabel("经度 longitude (WGS84)")
    ax.set_ylabel("纬度 latitude (WGS84)")
    ax.set_title(f"东城区 Dongcheng — {len(streets)} 街道, {n_bases} 基础网格, {n_units} 单元网格, {n_cameras} 摄像头")
    handles = [
        Patch(facecolor=colours[i], edgecolor="#333333", label=f"{s['code'][-3:]} {s['name']}")
        for i, s in enumerate(streets)
    ]
    handles.append(Patch(facecolor="#b0001e", label="摄像头 camera"))
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="街道 streets", frameon=False
    )
    ax.text(
        0.0,
        -0.06,
        "Outline and codes: Vonng/adcode (CC BY 4.0). Street outlines, grids and cameras are synthetic.",
        fontsize=8,
        color="#444444",
        transform=ax.transAxes,
    )


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Draw resources/district to a PNG.")
    parser.add_argument("--data", type=Path, default=ROOT / "resources/district")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/district.png")
    args = parser.parse_args()
    draw(args.data, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

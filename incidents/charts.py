"""Server-side SVG charts: geometry computed here, drawn by templates, no script needed."""

import math
from dataclasses import dataclass

PALETTE = ["#2356c5", "#b3261e", "#1b6e3a", "#8a5a00", "#6b3fa0"]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


def _scale(maximum: float) -> float:
    return maximum if maximum > 0 else 1


def horizontal_bars(rows: list[dict], series: list[str], width: int = 460) -> dict:
    """Return bars for label/value rows, one bar per series side by side."""
    label_width, bar_height, gap = 140, 12, 10
    plot = width - label_width - 40
    top = max((row[name] or 0 for row in rows for name in series), default=0)
    bars, labels = [], []
    group = bar_height * len(series) + gap
    for index, row in enumerate(rows):
        y = 20 + index * group
        labels.append(
            {"x": label_width - 6, "y": y + bar_height * len(series) / 2 + 4, "text": row["label"]}
        )
        for offset, name in enumerate(series):
            value = row[name] or 0
            bars.append(
                Bar(
                    x=label_width,
                    y=y + offset * bar_height,
                    width=round(plot * value / _scale(top), 1),
                    height=bar_height - 2,
                    color=PALETTE[offset % len(PALETTE)],
                    title=f"{row['label']}: {value} {name}",
                )
            )
    return {
        "width": width,
        "height": 30 + len(rows) * group,
        "bars": bars,
        "labels": labels,
        "legend": [{"name": n, "color": PALETTE[i % len(PALETTE)]} for i, n in enumerate(series)],
    }


def columns(rows: list[dict], series: list[str], width: int = 560, height: int = 200) -> dict:
    """Return grouped vertical bars, one group per row (a week or a month)."""
    bottom, left = height - 30, 30
    plot_height = bottom - 10
    top = max((row[name] or 0 for row in rows for name in series), default=0)
    slot = (width - left) / max(len(rows), 1)
    bar_width = max(slot * 0.8 / len(series), 1)
    # Label every n-th column so that labels never overlap (about 6 units per character
    # at the template's font size).
    longest = max((len(str(row["label"])) for row in rows), default=1)
    every = max(1, math.ceil((longest * 6 + 6) / slot))
    bars, labels = [], []
    for index, row in enumerate(rows):
        x0 = left + index * slot + slot * 0.1
        if index % every == 0:
            labels.append({"x": round(x0 + slot * 0.4, 1), "y": height - 12, "text": row["label"]})
        for offset, name in enumerate(series):
            value = row[name] or 0
            bar_height = round(plot_height * value / _scale(top), 1)
            bars.append(
                Bar(
                    x=round(x0 + offset * bar_width, 1),
                    y=round(bottom - bar_height, 1),
                    width=round(bar_width - 1, 1),
                    height=bar_height,
                    color=PALETTE[offset % len(PALETTE)],
                    title=f"{row['label']}: {value} {name}",
                )
            )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "top": top,
        "legend": [{"name": n, "color": PALETTE[i % len(PALETTE)]} for i, n in enumerate(series)],
    }

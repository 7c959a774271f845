"""Server-side SVG charts: geometry computed here, drawn by templates, no script needed."""

import math
from dataclasses import asdict, dataclass

from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

PALETTE = ["#3b5bdb", "#d9480f", "#2b8a3e", "#ae7c00", "#7048e8"]
# Severity reads as heat: SEV1 red to SEV4 green, in both themes.
SEVERITY_COLORS = ["#d92d20", "#f79009", "#d4a600", "#3a9a5b"]


def _names(series: list[str], names: dict[str, str] | None) -> dict[str, str]:
    """Return the words each series is shown with: 'Median time to detect', not a key."""
    return {key: (names or {}).get(key, key.replace("_", " ").capitalize()) for key in series}


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


def nice_ticks(maximum: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Return about count+1 round values from 0 up to at least maximum: 0, 5, 10, 15, 20.

    The last one is the top of the scale, so the bars and the grid lines agree. whole:
    the values are counts, so the steps are whole numbers too (no 0.25 of an incident).
    """
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw)
    if whole:
        step = max(1, round(step))
    ticks, value = [0.0], 0.0
    while value < maximum:
        value = round(value + step, 10)
        ticks.append(value)
    return ticks


def _tick_text(value: float) -> str:
    return f"{value:g}"


def horizontal_bars(
    rows: list[dict],
    series: list[str],
    width: int = 460,
    *,
    names: dict[str, str] | None = None,
    unit: str = "",
) -> dict:
    """Return bars for label/value rows, one bar per series side by side."""
    words = _names(series, names)
    label_width, bar_height, gap = 140, 12, 10
    plot = width - label_width - 40
    values = [row[name] or 0 for row in rows for name in series]
    scale = nice_ticks(max(values, default=0), whole=all(isinstance(v, int) for v in values))
    top = scale[-1]
    bars, labels = [], []
    group = bar_height * len(series) + gap
    axis_y = 20 + len(rows) * group - gap / 2
    # The value axis along the bottom, with a grid line at each round value.
    ticks = [
        {
            "x1": round(label_width + plot * value / top, 1),
            "x2": round(label_width + plot * value / top, 1),
            "y1": 14,
            "y2": axis_y,
            "tx": round(label_width + plot * value / top, 1),
            "ty": axis_y + 13,
            "text": _tick_text(value),
        }
        for value in scale
    ]
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
                    title=f"{row['label']} · {words[name]}: {value}{unit}",
                )
            )
    return _with_marks(
        {
            "width": width,
            "height": 30 + len(rows) * group + 14,
            "slots": [],
            "bars": bars,
            "labels": labels,
            "ticks": ticks,
            "tick_anchor": "middle",
            "axis": {"x1": label_width, "y1": axis_y, "x2": label_width + plot, "y2": axis_y},
            "unit": unit.strip(),
            "legend": [
                {"name": words[n], "color": PALETTE[i % len(PALETTE)]} for i, n in enumerate(series)
            ],
        }
    )


def columns(
    rows: list[dict],
    series: list[str],
    width: int = 560,
    height: int = 200,
    *,
    names: dict[str, str] | None = None,
    unit: str = "",
    colors: list[str] | None = None,
) -> dict:
    """Return grouped vertical bars, one group per row (a week or a month).

    Each group also gets a transparent slot as tall as the plot whose tooltip sums up the
    group, so that hovering a short or empty bar still says what it is.
    """
    words = _names(series, names)
    palette = colors or PALETTE
    bottom, left = height - 30, 36
    plot_height = bottom - 10
    values = [row[name] or 0 for row in rows for name in series]
    highest = max(values, default=0)
    scale = nice_ticks(highest, whole=all(isinstance(v, int) for v in values))
    top = scale[-1]
    # The value axis on the left, with a grid line at each round value.
    ticks = [
        {
            "x1": left,
            "x2": width,
            "y1": round(bottom - plot_height * value / top, 1),
            "y2": round(bottom - plot_height * value / top, 1),
            "tx": left - 4,
            "ty": round(bottom - plot_height * value / top + 3, 1),
            "text": _tick_text(value),
        }
        for value in scale
    ]
    slot = (width - left) / max(len(rows), 1)
    bar_width = max(slot * 0.8 / len(series), 1)
    # Label every n-th column so that labels never overlap (about 6 units per character
    # at the template's font size).
    longest = max((len(str(row["label"])) for row in rows), default=1)
    every = max(1, math.ceil((longest * 6 + 6) / slot))
    bars, labels, slots = [], [], []
    for index, row in enumerate(rows):
        x0 = left + index * slot + slot * 0.1
        summary = "; ".join(
            f"{words[name]}: {'—' if row[name] is None else row[name]}{unit}" for name in series
        )
        slots.append(
            {
                "x": round(left + index * slot, 1),
                "y": 10,
                "width": round(slot, 1),
                "height": plot_height,
                "title": f"{row['label']} · {summary}",
            }
        )
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
                    color=palette[offset % len(palette)],
                    title=f"{row['label']} · {words[name]}: "
                    f"{'—' if row[name] is None else row[name]}{unit}",
                )
            )
    return _with_marks(
        {
            "width": width,
            "height": height,
            "slots": slots,
            "bars": bars,
            "labels": labels,
            "top": highest,
            "ticks": ticks,
            "tick_anchor": "end",
            "axis": {"x1": left, "y1": bottom, "x2": width, "y2": bottom},
            "unit": unit.strip(),
            "legend": [
                {"name": words[n], "color": palette[i % len(palette)]} for i, n in enumerate(series)
            ],
        }
    )


def _marks(template: str, rows: list[dict], names: tuple[str, ...]) -> SafeString:
    # Numbers as str() gives them, which is what the template printed (no localization
    # in this app's language), without the template engine's per-value cost.
    return format_html_join("", template, ([row[name] for name in names] for row in rows))


def _with_marks(chart: dict) -> dict:
    """Add the chart's repeated SVG elements as markup for incidents/_chart.html.

    Drawn here rather than by template loops: a dashboard has thousands of them, and
    rendering each value through the template engine cost more than the figures' queries.
    """
    label_anchor = "middle" if chart.get("top") is not None else "end"
    chart["marks"] = {
        "ticks": _marks(
            '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="chart-tick" x="{}" y="{}" font-size="9" text-anchor="{}">{}</text>',
            [{**tick, "anchor": chart["tick_anchor"]} for tick in chart["ticks"]],
            ("x1", "y1", "x2", "y2", "tx", "ty", "anchor", "text"),
        ),
        "slots": _marks(
            '<rect class="chart-slot" x="{}" y="{}" width="{}" height="{}" fill="transparent">'
            "<title>{}</title></rect>",
            chart["slots"],
            ("x", "y", "width", "height", "title"),
        ),
        "bars": _marks(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="1.5">'
            "<title>{}</title></rect>",
            [asdict(bar) for bar in chart["bars"]],
            ("x", "y", "width", "height", "color", "title"),
        ),
        "labels": _marks(
            '<text x="{}" y="{}" font-size="10" text-anchor="{}" fill="#1d2330">{}</text>',
            [
                {**label, "anchor": label_anchor, "text": Truncator(label["text"]).chars(22)}
                for label in chart["labels"]
            ],
            ("x", "y", "anchor", "text"),
        ),
        "legend": _marks(
            '<span class="legend"><svg width="10" height="10" aria-hidden="true">'
            '<rect width="10" height="10" rx="2" fill="{}"/></svg> {}</span> ',
            chart["legend"],
            ("color", "name"),
        ),
    }
    return chart

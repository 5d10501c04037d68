"""The dashboard's charts as SVG drawn on the server: no script is needed to see them, each has
a title and a description for screen readers, and each sits beside its table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import networkx as nx
from markupsafe import Markup, escape

from bot.dashboard.pages import Network

WIDTH, HEIGHT, PAD = 640, 240, 44


def line_chart(
    key: str,
    title: str,
    points: Sequence[tuple[str, float | None]],
    *,
    low: float,
    high: float,
    shown: str = "{:.2f}",
) -> Markup:
    """A line over the rounds (x: the labels, y: ``low`` to ``high``); a None point is a gap."""
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / max(len(points) - 1, 1)

    def y(value: float) -> float:
        span = (high - low) or 1.0
        return PAD + inner_h * (1 - (value - low) / span)

    parts = [_open(key, title, _describe(title, points, shown))]
    for tick in (low, (low + high) / 2, high):
        parts.append(
            f'<line class="grid" x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/>'
            f'<text class="axis" x="{PAD - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{escape(shown.format(tick))}</text>"
        )
    coords = [
        (PAD + i * step, y(value), label, value)
        for i, (label, value) in enumerate(points)
        if value is not None
    ]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy, _, _ in coords)
        parts.append(f'<polyline class="line" points="{path}"/>')
    for x, yy, label, value in coords:
        parts.append(
            f'<circle class="point" cx="{x:.1f}" cy="{yy:.1f}" r="5">'
            f"<title>{escape(label)}: {escape(shown.format(value))}</title></circle>"
        )
    for i, (label, _) in enumerate(points):
        parts.append(
            f'<text class="axis" x="{PAD + i * step:.1f}" y="{HEIGHT - PAD + 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(key: str, title: str, points: Sequence[tuple[str, int]]) -> Markup:
    """Bars over the rounds, from zero."""
    top = max([v for _, v in points] + [1])
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    slot = inner_w / max(len(points), 1)
    parts = [_open(key, title, _describe(title, points, "{}"))]
    parts.append(
        f'<line class="grid" x1="{PAD}" x2="{WIDTH - PAD}" y1="{PAD + inner_h}" '
        f'y2="{PAD + inner_h}"/>'
        f'<text class="axis" x="{PAD - 6}" y="{PAD + 4}" text-anchor="end">{top}</text>'
        f'<text class="axis" x="{PAD - 6}" y="{PAD + inner_h + 4}" text-anchor="end">0</text>'
    )
    for i, (label, value) in enumerate(points):
        h = inner_h * value / top
        x = PAD + i * slot + slot * 0.2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{PAD + inner_h - h:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{h:.1f}"><title>{escape(label)}: {value}</title></rect>'
            f'<text class="axis" x="{x + slot * 0.3:.1f}" y="{HEIGHT - PAD + 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def network_chart(title: str, network: Network) -> Markup:
    """The team network as the digest's picture draws it (the same graph and layout): teams
    sized by members taking part, lines weighted by meetings held, this period's new ties
    marked. Hovering or focusing a team lists its ties (its title; the page's script also
    highlights them)."""
    graph = nx.Graph()
    for team, size in network.teams:
        graph.add_node(team, size=size)
    for tie in network.ties:
        graph.add_edge(tie.first, tie.second, weight=tie.meetings)
    layout = nx.spring_layout(graph, seed=7, weight="weight") if len(graph) else {}
    index = {team: i for i, (team, _) in enumerate(network.teams)}
    size, margin = 560, 70

    def at(team: str) -> tuple[float, float]:
        x, y = layout[team]
        return margin + (x + 1) / 2 * (size - 2 * margin), margin + (1 - y) / 2 * (
            size - 2 * margin
        )

    ties_of: dict[str, list[str]] = {team: [] for team, _ in network.teams}
    parts = [
        f'<svg id="network" class="chart network" viewBox="0 0 {size} {size}" role="img" '
        f'aria-labelledby="network-title network-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="network-title">{escape(title)}</title>'
        f'<desc id="network-desc">{len(network.teams)} teams, {len(network.ties)} team pairs '
        f"that met; the table below lists them.</desc>"
    ]
    for tie in network.ties:
        (x1, y1), (x2, y2) = at(tie.first), at(tie.second)
        kind = "tie new" if tie.new else "tie"
        parts.append(
            f'<line class="{kind}" data-a="{index[tie.first]}" data-b="{index[tie.second]}" '
            f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke-width="{0.5 + min(tie.meetings, 8):.1f}">'
            f"<title>{escape(tie.first)} – {escape(tie.second)}: {tie.meetings}</title></line>"
        )
        ties_of[tie.first].append(f"{tie.second} ({tie.meetings})")
        ties_of[tie.second].append(f"{tie.first} ({tie.meetings})")
    for team, members in network.teams:
        x, y = at(team)
        radius = 8 + 3 * math.sqrt(max(members, 0))
        listed = ", ".join(ties_of[team]) or "no meetings yet"
        parts.append(
            f'<g class="team" data-team="{index[team]}" tabindex="0">'
            f"<title>{escape(team)}: {members} taking part; met {escape(listed)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}"/>'
            f'<text x="{x:.1f}" y="{y - radius - 4:.1f}" text-anchor="middle">{escape(team)}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(key: str, title: str, description: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(description)}</desc>'
    )


def _describe(title: str, points: Sequence[tuple[str, float | int | None]], shown: str) -> str:
    values = ", ".join(
        f"{label}: {'—' if value is None else shown.format(value)}" for label, value in points
    )
    return f"{title}. {values}" if values else f"{title}: no rounds yet."

"""The digest's picture: the team network (teams sized by members, ties weighted by meetings
held, this period's new ties highlighted) and a small trend chart, drawn with matplotlib's Agg.

The drawing returns the data it drew (nodes, edges, the counts of drawn artists) beside the PNG,
so that what the picture shows can be checked without reading pixels. It uses matplotlib's
object API (no pyplot state), so pictures can be drawn in worker threads side by side.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
from matplotlib.figure import Figure


@dataclass(frozen=True)
class NetworkPicture:
    png: bytes
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, int], ...]  # (team, team, meetings held)
    new_edges: tuple[tuple[str, str], ...]
    drawn_nodes: int
    drawn_edges: int
    trend: tuple[float, ...]
    alt_text: str


def draw(
    team_sizes: Mapping[str, int],
    meetings: Mapping[tuple[str, str], int],
    new_ties: set[tuple[str, str]],
    trend: Sequence[float],
    *,
    trend_label: str = "E-I index",
    title: str = "Teams: size = members, line = meetings held (orange: new)",
    x_label: str = "round",
) -> NetworkPicture:
    graph = nx.Graph()
    for team in sorted(team_sizes):
        graph.add_node(team, size=team_sizes[team])
    for (a, b), held in sorted(meetings.items()):
        if held > 0 and a in team_sizes and b in team_sizes:
            graph.add_edge(a, b, weight=held)
    figure = Figure(figsize=(11, 5))
    network_axes, trend_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    layout = nx.spring_layout(graph, seed=7, weight="weight")
    sizes = [120 + 40 * graph.nodes[n]["size"] for n in graph.nodes]
    nodes_drawn = nx.draw_networkx_nodes(
        graph, layout, ax=network_axes, node_size=sizes, node_color="#8ecae6"
    )
    edge_list = list(graph.edges)
    fresh = {tuple(sorted(e)) for e in new_ties}
    colours = ["#fb8500" if tuple(sorted(e)) in fresh else "#adb5bd" for e in edge_list]
    widths = [0.5 + graph.edges[e]["weight"] for e in edge_list]
    edges_drawn = nx.draw_networkx_edges(
        graph, layout, ax=network_axes, edgelist=edge_list, edge_color=colours, width=widths
    )
    nx.draw_networkx_labels(graph, layout, ax=network_axes, font_size=8)
    network_axes.set_title(title)
    network_axes.axis("off")
    trend_axes.plot(range(1, len(trend) + 1), list(trend), marker="o", color="#219ebc")
    trend_axes.set_title(trend_label)
    trend_axes.set_xlabel(x_label)
    trend_axes.set_ylim(-1.05, 1.05)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    drawn_edges = len(edges_drawn.get_segments()) if hasattr(edges_drawn, "get_segments") else 0
    edges = tuple((a, b, int(graph.edges[a, b]["weight"])) for a, b in sorted(graph.edges))
    new: tuple[tuple[str, str], ...] = tuple(
        sorted((min(a, b), max(a, b)) for a, b in new_ties if graph.has_edge(a, b))
    )
    return NetworkPicture(
        png=buffer.getvalue(),
        nodes=tuple(graph.nodes),
        edges=edges,
        new_edges=new,
        drawn_nodes=len(nodes_drawn.get_offsets()),
        drawn_edges=drawn_edges,
        trend=tuple(trend),
        alt_text=_alt_text(graph, new, trend, trend_label),
    )


def _alt_text(
    graph: nx.Graph, new: Sequence[tuple[str, str]], trend: Sequence[float], label: str
) -> str:
    busiest = sorted(graph.edges(data="weight"), key=lambda e: -e[2])[:3]
    parts = [f"{graph.number_of_nodes()} teams, {graph.number_of_edges()} team pairs who met"]
    if busiest:
        parts.append("most meetings: " + ", ".join(f"{a}–{b} ({w})" for a, b, w in busiest))
    if new:
        parts.append(f"{len(new)} new team pairs this period")
    if trend:
        parts.append(f"{label} {trend[0]:+.2f} → {trend[-1]:+.2f}")
    return "; ".join(parts) + "."

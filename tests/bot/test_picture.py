from __future__ import annotations

from bot.picture import draw


def test_the_network_picture_draws_each_team_and_each_pair_that_met() -> None:
    picture = draw(
        {"Platform": 6, "Sales": 3, "Labs": 2, "Quiet": 1},
        {("Labs", "Platform"): 2, ("Platform", "Sales"): 4, ("Labs", "Sales"): 0},
        {("Sales", "Platform")},
        [0.2, 0.5, 0.8],
    )
    assert picture.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert set(picture.nodes) == {"Platform", "Sales", "Labs", "Quiet"}
    assert picture.edges == (("Labs", "Platform", 2), ("Platform", "Sales", 4))
    assert picture.new_edges == (("Platform", "Sales"),)
    assert (picture.drawn_nodes, picture.drawn_edges) == (4, 2)
    assert picture.trend == (0.2, 0.5, 0.8)
    assert "4 teams, 2 team pairs who met" in picture.alt_text
    assert "Platform–Sales (4)" in picture.alt_text
    assert "+0.20 → +0.80" in picture.alt_text

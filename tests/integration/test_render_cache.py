"""Renders through the DI × chain cache: identical bytes, and only what changed is re-run."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Kit
from toneshootout.cli import main
from toneshootout.engine import render as render_module
from toneshootout.engine.cache import ChainCache
from toneshootout.engine.chain import run_chain
from toneshootout.engine.render import RenderSummary, render_shootout
from toneshootout.engine.spec import load_spec

WAV_ONLY = 'outputs = ["wav"]'


def _write_spec(
    folder: Path,
    kit: Kit,
    *,
    settings: str = WAV_ONLY,
    regions: dict[int, str] | None = None,
    extra: dict[int, str] | None = None,
    captures: list[Path] | None = None,
) -> Path:
    lines = ["[settings]", settings]
    for i, di in enumerate(kit.dis):
        lines += ["[[di]]", f'name = "DI {i}"', f'path = "{di}"']
        if regions and i in regions:
            lines.append(f"region = {regions[i]}")
    for i, capture in enumerate(captures or kit.captures[:3]):
        blocks = (
            f'{{ type = "capture", path = "{capture}" }}, {{ type = "ir", path = "{kit.irs[0]}" }}'
        )
        if extra and i in extra:
            blocks += f", {extra[i]}"
        lines += ["[[chain]]", f'name = "Chain {i}"', f"blocks = [{blocks}]"]
    path = folder / "spec.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _files(out: Path) -> dict[Path, bytes]:
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


class _Counting:
    """Wraps the engine's `run_chain` to count which chains really ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: Counter[str] = Counter()
        real = run_chain

        def counted(chain: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls[chain.name] += 1
            return real(chain, *args, **kwargs)

        monkeypatch.setattr(render_module, "run_chain", counted)


def _render(spec: Path, out: Path, cache: ChainCache | None) -> RenderSummary:
    return render_shootout(load_spec(spec), out, workers=1, cache=cache)


def test_render_with_cache_is_byte_identical_cold_and_warm(kit: Kit, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    full = _write_spec(tmp_path / "full", kit, settings="")  # every output kind
    wav_only = _write_spec(tmp_path, kit)  # the same keys: outputs are made after the cache
    cold = _render(wav_only, tmp_path / "cold", ChainCache(tmp_path / "cache", 1 << 30))
    plain = _render(full, tmp_path / "plain", None)
    warm = _render(full, tmp_path / "warm", ChainCache(tmp_path / "cache", 1 << 30))
    assert _files(tmp_path / "warm") == _files(tmp_path / "plain")
    assert plain.cache is None
    assert cold.cache is not None
    assert warm.cache is not None
    entries = len(plain.pairs) + 3  # one per DI × chain, one alignment per chain
    assert (cold.cache.hits, cold.cache.stored) == (0, entries)
    assert (warm.cache.hits, warm.cache.misses) == (entries, 0)
    assert not any(p.from_cache for p in cold.pairs)
    assert all(p.from_cache for p in warm.pairs)


def test_cli_cache_dir_reuses_renders(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write_spec(tmp_path, kit)
    summaries = []
    for run in ("first", "second"):
        args = ["render", str(spec), "--out", str(tmp_path / run), "--json"]
        monkeypatch.setattr(
            sys, "argv", ["toneshootout", *args, "--cache-dir", str(tmp_path / "c")]
        )
        with contextlib.suppress(SystemExit):
            main()
        summaries.append(json.loads(capsys.readouterr().out))
    first, second = summaries
    assert first["cache"]["stored"] == len(first["pairs"]) + 3
    assert not any(p["from_cache"] for p in first["pairs"])
    assert all(p["from_cache"] for p in second["pairs"])
    assert second["cache"]["misses"] == 0
    assert _files(tmp_path / "first") == _files(tmp_path / "second")


def test_editing_one_chain_reprocesses_only_that_chain(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    _render(_write_spec(tmp_path, kit), tmp_path / "before", ChainCache(cache_dir, 1 << 30))
    # A reverb also lengthens this chain's tail: the other chains must still be reused.
    edited = _write_spec(tmp_path, kit, extra={1: '{ type = "reverb", room_size = 0.3 }'})
    counting = _Counting(monkeypatch)
    summary = _render(edited, tmp_path / "after", ChainCache(cache_dir, 1 << 30))
    assert counting.calls == {"Chain 1": 1 + len(kit.dis)}  # its alignment probe, each DI
    assert {(p.di, p.chain) for p in summary.pairs if not p.from_cache} == {
        (f"DI {i}", "Chain 1") for i in range(len(kit.dis))
    }
    monkeypatch.undo()
    _render(edited, tmp_path / "fresh", None)
    assert _files(tmp_path / "after") == _files(tmp_path / "fresh")


def test_region_change_reprocesses_only_that_di(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ChainCache(tmp_path / "cache", 1 << 30)  # one object shared by both renders
    _render(_write_spec(tmp_path, kit), tmp_path / "before", cache)
    edited = _write_spec(tmp_path, kit, regions={0: "{ start_s = 0.5, end_s = 2.5 }"})
    counting = _Counting(monkeypatch)
    summary = _render(edited, tmp_path / "after", cache)
    assert counting.calls == {f"Chain {j}": 1 for j in range(3)}  # DI 0 only; probes reused
    assert summary.cache is not None
    assert (summary.cache.hits, summary.cache.misses) == (3 + 3, 3)  # per render, not in all
    assert {p.di for p in summary.pairs if not p.from_cache} == {"DI 0"}
    assert all(p.from_cache for p in summary.pairs if p.di == "DI 1")


def test_capture_file_change_at_same_path_invalidates(kit: Kit, tmp_path: Path) -> None:
    captures = [tmp_path / f"capture-{i}.nam" for i in range(2)]
    for source, target in zip(kit.captures, captures, strict=False):
        shutil.copyfile(source, target)
    spec = _write_spec(tmp_path, kit, captures=captures)
    cache_dir = tmp_path / "cache"
    _render(spec, tmp_path / "before", ChainCache(cache_dir, 1 << 30))
    shutil.copyfile(kit.captures[2], captures[0])
    summary = _render(spec, tmp_path / "after", ChainCache(cache_dir, 1 << 30))
    assert {p.chain for p in summary.pairs if not p.from_cache} == {"Chain 0"}
    assert all(p.from_cache for p in summary.pairs if p.chain == "Chain 1")


def test_corrupted_entries_are_recomputed_not_trusted(kit: Kit, tmp_path: Path) -> None:
    spec = _write_spec(tmp_path, kit)
    cache_dir = tmp_path / "cache"
    _render(spec, tmp_path / "first", ChainCache(cache_dir, 1 << 30))
    entries = sorted(cache_dir.rglob("*.entry"))
    for i, entry in enumerate(entries):
        blob = bytearray(entry.read_bytes())
        if i % 2:
            blob[-1] ^= 0x01  # one flipped bit in the payload
        else:
            blob = blob[: len(blob) // 2]  # a torn write
        entry.write_bytes(bytes(blob))
    summary = _render(spec, tmp_path / "second", ChainCache(cache_dir, 1 << 30))
    assert summary.cache is not None
    assert summary.cache.corrupt == len(entries)
    assert summary.cache.hits == 0
    assert _files(tmp_path / "second") == _files(tmp_path / "first")
    again = _render(spec, tmp_path / "third", ChainCache(cache_dir, 1 << 30))
    assert again.cache is not None
    assert again.cache.hits == len(entries)


def test_small_cache_evicts_to_its_limit_and_still_renders(kit: Kit, tmp_path: Path) -> None:
    spec = _write_spec(tmp_path, kit)
    _render(spec, tmp_path / "plain", None)
    largest = 4 * (3 * 48000 + 48000) + 4096  # a 3 s DI plus a generous tail, and a header
    cache = ChainCache(tmp_path / "cache", 2 * largest)
    summary = _render(spec, tmp_path / "small", cache)
    assert summary.cache is not None
    assert summary.cache.evicted > 0
    assert cache.size_bytes() <= 2 * largest
    assert _files(tmp_path / "small") == _files(tmp_path / "plain")

"""A render uses the DI channel and region the shootout chose, as its manifest records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from tests.integration.conftest import Kit
from tests.integration.worker.helpers import add_render, add_user, load, stored_json, tiny_snapshot
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.runner import RenderRunner


def _stereo_di(kit: Kit, folder: Path) -> Path:
    """The kit's 3 s riff on the left, a quieter copy of it on the right."""
    riff, rate = sf.read(kit.dis[0], dtype="float32")
    path = folder / "stereo-di.wav"
    sf.write(path, np.stack([riff, 0.25 * riff], axis=1), rate, subtype="PCM_24")
    return path


async def test_render_uses_the_chosen_channel_and_region(
    ctx: WorkerContext, kit: Kit, tmp_path: Path
) -> None:
    owner = await add_user(ctx)
    snapshot = tiny_snapshot(ctx, owner, kit, di=_stereo_di(kit, tmp_path))
    di_id = snapshot["shootout"]["di_tracks"][0]
    region = {"start_s": 0.5, "end_s": 2.25}
    snapshot["shootout"]["di_tracks"] = [{"di_id": di_id, "channel": "left", "region": region}]
    render_id = await add_render(ctx, owner, snapshot)

    await RenderRunner(ctx).run(render_id)

    render = await load(ctx, render_id)
    assert (render.state, render.reason) == ("succeeded", None)
    assert render.output_prefix is not None
    manifest = stored_json(ctx, render.output_prefix, "manifest.json")
    (di,) = manifest["inputs"]["di"]
    assert (di["channel"], di["source_channels"]) == ("left", 2)
    assert di["region"] == region
    rate = manifest["settings"]["render_rate"]  # the rate the region was cut at (no resampling)
    assert rate == 48000
    assert di["frames"] == round((region["end_s"] - region["start_s"]) * rate)


async def test_render_of_a_bare_id_snapshot_renders_mid_and_whole(
    ctx: WorkerContext, kit: Kit, tmp_path: Path
) -> None:
    owner = await add_user(ctx)
    snapshot = tiny_snapshot(ctx, owner, kit, di=_stereo_di(kit, tmp_path))
    assert isinstance(snapshot["shootout"]["di_tracks"][0], str)  # as rows written before
    render_id = await add_render(ctx, owner, snapshot)

    await RenderRunner(ctx).run(render_id)

    render = await load(ctx, render_id)
    assert render.state == "succeeded"
    assert render.output_prefix is not None
    manifest = stored_json(ctx, render.output_prefix, "manifest.json")
    (di,) = manifest["inputs"]["di"]
    assert (di["channel"], di["region"], di["frames"]) == ("mid", None, 3 * 48000)

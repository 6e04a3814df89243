"""`toneshootout render` with TONE3000 blocks: downloaded with the saved sign-in, validated,
rendered, credited in ATTRIBUTION; and every refusal as one readable line."""

from __future__ import annotations

import dataclasses
import json
import socket
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from tests.integration.tone3000_cli.conftest import Cli, Result
from tests.paths import REAL
from toneshootout.cli.tone3000.store import read_login, write_login
from toneshootout.tone3000_fake import FakeConfig
from toneshootout.tone3000_fake.catalogue import DELETED_TONE_ID

PLEXI, GAIN_3 = 4201, 90001  # an A1 capture served straight from the API host
LANTERN, CAP_EDGE, CENTER = 4203, 90010, 90011  # Center's file redirects to the storage host
DOWNLOAD = "GET /api/v1/models/{model_id}/download/{filename}"


def _spec(tmp_path: Path, *blocks: str, extra: str = "") -> Path:
    """A spec with the real DI from ../shared/fixtures and one chain of `blocks`."""
    lines = [
        'title = "TONE3000 shootout"',
        "[settings]",
        'outputs = ["wav", "metrics"]',
        "[[di]]",
        'name = "Riff"',
        f'path = "{REAL / "di-gojira-48k-stereo.wav"}"',
        "[[chain]]",
        'name = "From TONE3000"',
        f"blocks = [{', '.join(blocks)}]",
        extra,
    ]
    path = tmp_path / "spec.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _capture(tone_id: int = PLEXI, model_id: int | None = GAIN_3) -> str:
    model = f", model_id = {model_id}" if model_id is not None else ""
    return f'{{ type = "capture", tone3000 = {{ tone_id = {tone_id}{model} }} }}'


def _ir(tone_id: int = LANTERN, model_id: int | None = CENTER) -> str:
    model = f", model_id = {model_id}" if model_id is not None else ""
    return f'{{ type = "ir", tone3000 = {{ tone_id = {tone_id}{model} }} }}'


LOCAL_CHAIN = f"""
[[chain]]
name = "Local JCM800"
blocks = [{{ type = "capture", path = "{REAL / "jcm800-standard.nam"}" }},
          {{ type = "ir", path = "{REAL / "ir-mesa-os-4x12-189ms.wav"}" }}]
"""


def _render(cli: Cli, spec: Path, out: Path, *more: str) -> Result:
    return cli.run("render", str(spec), "--out", str(out), *more)


def _refused(cli: Cli, spec: Path, tmp_path: Path) -> str:
    result = _render(cli, spec, tmp_path / "out")
    assert result.code != 0
    assert not (tmp_path / "out").exists()
    return result.error_line


def test_a_render_with_tone3000_models_writes_outputs_and_attribution(
    cli: Cli, tmp_path: Path
) -> None:
    cli.login()
    spec = _spec(tmp_path, _capture(), _ir(), extra=LOCAL_CHAIN)
    out = tmp_path / "out"
    result = _render(cli, spec, out, "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert {p["chain"] for p in summary["pairs"]} == {"From TONE3000", "Local JCM800"}
    assert (out / "manifest.json").is_file()
    assert any(out.rglob("*.wav"))
    text = (out / "ATTRIBUTION").read_text(encoding="utf-8")
    assert text.startswith("Powered by TONE3000")
    assert "Plexi Lead 100W — Gain 3 - SM57" in text
    assert "Lantern 4x12 V30 — SM57 - Center" in text
    assert "creator:  ampwright" in text
    assert "licence:  CC BY 4.0" in text
    assert "licence:  CC BY-SA 4.0" in text
    assert f"tone:     {cli.fake.base_url}//plexi-lead-100w-{PLEXI}" in text
    assert "jcm800" not in text.lower()  # local files are not TONE3000's to credit
    # The IR came through the storage host: followed, with no token (REQ-06).
    hits = cli.fake.state.storage_hits
    assert [h.path.rsplit("/", 2)[-2] for h in hits] == [str(CENTER)]
    assert hits[0].had_authorization is False
    # The files stay in the user's private cache, never in the render folder.
    cached = sorted((cli.cache_dir / "toneshootout" / "tone3000").rglob("*.*"))
    names = [p.name for p in cached]
    assert names == [f"tone{PLEXI}-model{GAIN_3}.nam", f"tone{LANTERN}-model{CENTER}.wav"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in cached)
    assert not any(out.rglob("*.nam"))
    assert "downloaded" in result.err


def test_a_video_thanks_the_tone3000_models_it_downloaded(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    spec = tmp_path / "spec.toml"
    spec.write_text(
        "\n".join(
            [
                'title = "TONE3000 video"',
                "[settings]",
                'outputs = ["video"]',
                'video_size = "1280x720"',
                "[[di]]",
                'name = "Riff"',
                f'path = "{REAL / "di-gojira-48k-stereo.wav"}"',
                "region = { start_s = 0.0, end_s = 1.5 }",
                "[[chain]]",
                'name = "From TONE3000"',
                f"blocks = [{_capture()}, {_ir()}]",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = _render(cli, spec, out, "--json")
    assert result.code == 0, result.err
    assert (out / "video" / "riff.mp4").is_file()
    description = (out / "video" / "riff.description.txt").read_text(encoding="utf-8")
    host = cli.fake.base_url.split("://", 1)[1]
    assert (
        f"Plexi Lead 100W — NAM capture by ampwright (CC BY 4.0) · {host}/plexi-lead-100w-{PLEXI}"
        in description
    )
    assert "Lantern 4x12 V30 — cabinet IR by " in description
    assert "Powered by TONE3000" in description
    # The chain's blocks go by their TONE3000 names, never the cached files' names.
    assert "Capture: Plexi Lead 100W — Gain 3 - SM57" in description
    assert "IR: Lantern 4x12 V30 — SM57 - Center" in description
    assert "model9" not in description


def test_a_second_render_takes_the_files_from_the_cache_but_asks_for_the_tones(
    cli: Cli, tmp_path: Path
) -> None:
    cli.login()
    spec = _spec(tmp_path, _capture(), _ir())
    assert _render(cli, spec, tmp_path / "one").code == 0
    requests = cli.fake.state.requests
    downloads = requests[DOWNLOAD]
    tones = requests["GET /api/v1/tones/{tone_id}"]
    second = _render(cli, spec, tmp_path / "two")
    assert second.code == 0, second.err
    assert requests[DOWNLOAD] == downloads
    assert requests["GET /api/v1/tones/{tone_id}"] == tones + 2  # access is checked again
    assert "from the cache" in second.err
    assert (tmp_path / "two" / "ATTRIBUTION").is_file()


def test_a_damaged_cached_file_is_fetched_again(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    spec = _spec(tmp_path, _capture())
    assert _render(cli, spec, tmp_path / "one").code == 0
    [cached] = (cli.cache_dir / "toneshootout" / "tone3000").rglob("*.nam")
    cached.write_text('{"version": "0.5.4", "architecture": "Linear"}')
    result = _render(cli, spec, tmp_path / "two")
    assert result.code == 0, result.err
    found = cli.fake.state.catalogue.model(GAIN_3)
    assert found is not None
    assert cached.read_bytes() == cli.fake.state.model_file(found[1])


def test_tokens_that_expired_meanwhile_are_refreshed_and_saved(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    before = cli.login_json()
    cli.fake.state.clock.advance(3601)  # an hour later, as the fake sees it
    result = _render(cli, _spec(tmp_path, _capture()), tmp_path / "out")
    assert result.code == 0, result.err
    after = cli.login_json()
    assert after["refresh_token"] != before["refresh_token"]  # the rotated pair is kept
    assert cli.fake.state.oauth.counters.refresh_requests == 1
    assert stat.S_IMODE(cli.login_file.stat().st_mode) == 0o600


def test_the_tone_id_alone_is_enough_for_a_tone_with_one_model(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    plate = _ir(tone_id=4209, model_id=None)  # "Plate Space": one IR
    result = _render(cli, _spec(tmp_path, _capture(), plate), tmp_path / "out")
    assert result.code == 0, result.err
    assert "Plate Space — Plate - 1.2 s" in (tmp_path / "out" / "ATTRIBUTION").read_text()


# -- refusals: one line, a non-zero exit, no output folder -----------------------------------


def test_not_signed_in(cli: Cli, tmp_path: Path) -> None:
    line = _refused(cli, _spec(tmp_path, _capture()), tmp_path)
    assert line == (
        "toneshootout: error: not signed in to TONE3000: run `toneshootout login --tone3000` first"
    )
    assert sum(cli.fake.state.requests.values()) == 0


def test_a_sign_in_revoked_on_tone3000(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    cli.fake.state.oauth.revoke()
    line = _refused(cli, _spec(tmp_path, _capture()), tmp_path)
    assert line == (
        "toneshootout: error: your TONE3000 sign-in has expired: "
        "run `toneshootout login --tone3000` again"
    )
    assert not cli.login_file.exists()  # invalid_grant: the dead tokens are forgotten


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        (_capture(4290, None), "this tone is private on TONE3000"),
        (_capture(DELETED_TONE_ID, None), "this tone was deleted from TONE3000"),
        (_capture(LANTERN, CAP_EDGE), 'is an IR: use type = "ir" for it'),
        (_ir(PLEXI, GAIN_3), 'is a NAM capture: use type = "capture" for it'),
        (_capture(4212, None), "is a proteus model; only NAM captures and IRs render"),
        (_capture(PLEXI, CAP_EDGE), f"model {CAP_EDGE} belongs to tone {LANTERN}, not this one"),
        (_capture(PLEXI, 999999), "this model was deleted from TONE3000"),
        (_capture(PLEXI, None), "has 5 models, pick one with model_id: 90001 “Gain 3 - SM57”"),
    ],
)
def test_a_model_that_cannot_be_used_says_why(
    cli: Cli, tmp_path: Path, block: str, reason: str
) -> None:
    cli.login()
    spec = _spec(tmp_path, block)
    line = _refused(cli, spec, tmp_path)
    assert line.startswith(f"toneshootout: error: {spec}: chain 'From TONE3000' block 1 ")
    assert reason in line


def test_a_redirect_to_an_untrusted_storage_host_is_refused(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    cli.monkeypatch.delenv("TONESHOOTOUT_TONE3000__STORAGE_ORIGINS")  # only the real one
    line = _refused(cli, _spec(tmp_path, _ir()), tmp_path)
    assert f"redirected the download to {cli.fake.storage_base}" in line
    assert "not a trusted storage origin" in line
    assert cli.fake.state.storage_hits == []


def test_a_sign_in_for_another_tone3000_is_not_used(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    cli.monkeypatch.setenv("TONESHOOTOUT_TONE3000__BASE_URL", "https://www.tone3000.com")
    line = _refused(cli, _spec(tmp_path, _capture()), tmp_path)
    assert f"signed in to TONE3000 at {cli.fake.base_url}" in line
    assert "TONESHOOTOUT_TONE3000__BASE_URL says https://www.tone3000.com" in line


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        (
            '{ type = "capture", path = "x.nam", tone3000 = { tone_id = 1 } }',
            "chain.0.blocks.0: give either path or tone3000, not both",
        ),
        (
            '{ type = "boost", gain_db = 3.0, tone3000 = { tone_id = 1 } }',
            "chain.0.blocks.0.tone3000: only capture and ir blocks come from TONE3000",
        ),
        ('{ type = "capture", tone3000 = 4201 }', "chain.0.blocks.0.tone3000: expected {"),
        (
            '{ type = "capture", tone3000 = { tone_id = "4201" } }',
            "chain.0.blocks.0.tone3000.tone_id: Input should be a valid integer",
        ),
        (
            '{ type = "capture", tone3000 = { tone_id = 0 } }',
            "chain.0.blocks.0.tone3000.tone_id: Input should be greater than 0",
        ),
        (
            '{ type = "capture", tone3000 = { model_id = 90001 } }',
            "chain.0.blocks.0.tone3000.tone_id: Field required",
        ),
        (
            '{ type = "capture", tone3000 = { tone_id = 4201, model = 90001 } }',
            "chain.0.blocks.0.tone3000.model: Extra inputs are not permitted",
        ),
        (
            '{ type = "capture", tone3000 = { tone_id = 4201, model_id = 90001 }, slim = 7.0 }',
            "chain.0.blocks.0.capture.slim: Input should be less than or equal to 1",
        ),
    ],
)
def test_a_bad_tone3000_block_is_refused_before_any_call(
    cli: Cli, tmp_path: Path, block: str, reason: str
) -> None:
    cli.login()
    calls = sum(cli.fake.state.requests.values())
    spec = _spec(tmp_path, block)
    line = _refused(cli, spec, tmp_path)
    assert line.startswith(f"toneshootout: error: {spec}: ")
    assert reason in line
    assert sum(cli.fake.state.requests.values()) == calls  # nothing asked of TONE3000


def test_a_spec_without_tone3000_blocks_needs_no_sign_in(cli: Cli, tmp_path: Path) -> None:
    spec = _spec(
        tmp_path,
        f'{{ type = "capture", path = "{REAL / "jcm800-standard.nam"}" }}',
    )
    result = _render(cli, spec, tmp_path / "out")
    assert result.code == 0, result.err
    assert not (tmp_path / "out" / "ATTRIBUTION").exists()
    assert sum(cli.fake.state.requests.values()) == 0


def test_a_model_used_in_two_chains_is_fetched_and_credited_once(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    second_chain = f"""
[[chain]]
name = "Same cab, other amp"
blocks = [{_capture(4202, 90006)}, {_ir()}]
"""
    spec = _spec(tmp_path, _capture(), _ir(), extra=second_chain)
    result = _render(cli, spec, tmp_path / "out")
    assert result.code == 0, result.err
    assert cli.fake.state.requests["GET /api/v1/models/{model_id}"] == 3
    assert result.err.count("Lantern 4x12 V30") == 1
    assert "credits for the 3 TONE3000 models" in result.err
    text = (tmp_path / "out" / "ATTRIBUTION").read_text()
    assert text.count("SM57 - Center") == 1


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("STORAGE_ORIGINS", "https://api.tone3000.com", "lists are JSON"),
        ("CALLS_PER_MINUTE", "500", "CALLS_PER_MINUTE: Input should be less than or equal to 100"),
        ("CACHE_SECONDS", "-1", "CACHE_SECONDS: Input should be greater than or equal to 0"),
        ("CACHE_SECONDZ", "60", "did you mean TONESHOOTOUT_TONE3000__CACHE_SECONDS?"),
    ],
)
def test_a_bad_tone3000_setting_is_one_line(
    cli: Cli, tmp_path: Path, name: str, value: str, reason: str
) -> None:
    cli.login()
    cli.monkeypatch.setenv(f"TONESHOOTOUT_TONE3000__{name}", value)
    line = _refused(cli, _spec(tmp_path, _capture()), tmp_path)
    assert reason in line


def test_tone3000_unreachable_during_a_render(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    login = read_login(cli.login_file)
    assert login is not None
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{closed.getsockname()[1]}"
    write_login(cli.login_file, replace(login, base_url=gone))
    cli.monkeypatch.setenv("TONESHOOTOUT_TONE3000__BASE_URL", gone)
    spec = _spec(tmp_path, _capture())
    line = _refused(cli, spec, tmp_path)
    assert line == (
        f"toneshootout: error: {spec}: chain 'From TONE3000' block 1 (TONE3000 tone {PLEXI}): "
        f"cannot reach TONE3000 at {gone} (ConnectError)"
    )


@pytest.mark.parametrize("fake_config", [FakeConfig(device_auto_approve_after=0, rate_limit=3)])
def test_tone3000_busy_during_a_render_says_when_to_come_back(cli: Cli, tmp_path: Path) -> None:
    cli.login()  # one call (GET /user) of the three the fake allows a minute
    line = _refused(cli, _spec(tmp_path, _capture(), _ir()), tmp_path)
    assert "TONE3000 is busy: try again in 60 s" in line


def _retitle(cli: Cli, tone_id: int, title: str) -> None:
    catalogue = cli.fake.state.catalogue
    tones = tuple(
        dataclasses.replace(t, title=title) if t.id == tone_id else t for t in catalogue.tones
    )
    cli.fake.state.catalogue = dataclasses.replace(catalogue, tones=tones)


def test_titles_with_markup_or_escape_sequences_are_shown_as_plain_text(
    cli: Cli, tmp_path: Path
) -> None:
    # Other people's text: rich markup must not crash the progress line ("[/]"), and an
    # escape sequence must not reach the terminal or the ATTRIBUTION file.
    cli.login()
    _retitle(cli, PLEXI, "Plexi [/] [bold]Lead\x1b[2J\x1b]0;owned\x07")
    result = _render(cli, _spec(tmp_path, _capture()), tmp_path / "out")
    assert result.code == 0, result.err
    assert "TONE3000: Plexi [/] [bold]Lead[2J]0;owned — Gain 3 - SM57" in result.err
    attribution = (tmp_path / "out" / "ATTRIBUTION").read_text()
    for text in (result.out, result.err, attribution):
        assert "\x1b" not in text
        assert "\x07" not in text


def test_an_error_naming_a_hostile_title_is_still_one_plain_line(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    _retitle(cli, LANTERN, "Cab\n\x1b[31mtoneshootout: all good")
    line = _refused(cli, _spec(tmp_path, _capture(LANTERN, CAP_EDGE)), tmp_path)
    assert "\x1b" not in line
    assert "“Cab [31mtoneshootout: all good” is an IR" in line

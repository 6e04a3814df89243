"""Credits and the ATTRIBUTION text (§1.9): creator, licence and tone page for every model."""

from __future__ import annotations

from toneshootout.tone3000.attribution import (
    CREDIT_LINE_MAX,
    POWERED_BY,
    attribution_text,
    credit,
    credit_line,
    credit_lines,
    credits_json,
    licence_name,
    short_link,
)
from toneshootout.tone3000.wire import Model, Tone

PLEXI = Tone.model_validate(
    {
        "id": 4201,
        "title": "Plexi Lead 100W",
        "license": "cc-by",
        "url": "https://www.tone3000.com//plexi-lead-100w-4201",
        "user": {"username": "ampwright", "url": "https://www.tone3000.com//ampwright"},
    }
)
GAIN_7 = Model(id=90002, tone_id=4201, name="Gain 7 - SM57", model_url="u", size="standard")
CAB = Tone(id=4203, title="Lantern 4x12 V30", format="ir", license="t3k", gear="cab")
CAB_MIC = Model(id=90010, tone_id=4203, name="SM57 - Cap Edge", model_url="u")


def test_a_credit_names_tone_variant_creator_and_licence() -> None:
    c = credit("capture", PLEXI, GAIN_7)
    assert c.label == "Plexi Lead 100W — Gain 7 - SM57 (by ampwright)"
    assert c.licence_name == "CC BY 4.0"
    assert (c.tone_url, c.creator_url) == (PLEXI.url, "https://www.tone3000.com//ampwright")


def test_a_models_title_names_the_variant_unless_it_is_the_tone() -> None:
    assert credit("capture", PLEXI, GAIN_7).title == "Plexi Lead 100W — Gain 7 - SM57"
    same = Model(id=1, tone_id=4201, name="Plexi Lead 100W", model_url="u")
    assert credit("capture", PLEXI, same).title == "Plexi Lead 100W"


def test_a_tone_without_creator_or_title_still_gets_a_readable_credit() -> None:
    c = credit("ir", Tone(id=7), Model(id=8, tone_id=7, model_url="u"))
    assert c.creator == "unknown creator"
    assert c.tone_title == "tone 7"
    assert c.label == "tone 7 (by unknown creator)"


def test_licence_names_cover_every_code_and_keep_new_ones() -> None:
    assert licence_name("cco") == "CC0 1.0 (public domain)"
    assert licence_name("t3k").startswith("TONE3000 licence")
    assert licence_name("cc-by-nc-nd") == "CC BY-NC-ND 4.0"
    assert licence_name("some-2027-licence") == "some-2027-licence"
    assert licence_name(None) == "licence not stated"


def test_attribution_text_lists_each_model_once_with_powered_by() -> None:
    credits = [credit("capture", PLEXI, GAIN_7), credit("ir", CAB, CAB_MIC)]
    text = attribution_text([*credits, credits[0]])  # the same capture in two chains
    assert text.startswith(f"{POWERED_BY} — https://www.tone3000.com")
    assert text.count("Gain 7 - SM57") == 1
    assert "kind:     NAM capture" in text
    assert "kind:     cabinet IR" in text
    assert "creator:  ampwright (https://www.tone3000.com//ampwright)" in text
    assert "licence:  CC BY 4.0" in text
    assert "tone:     https://www.tone3000.com//plexi-lead-100w-4201" in text
    assert "tone:     tone 4203" in text  # no page URL given: the id at least
    assert "ids:      tone 4203, model 90010" in text
    assert "not included" in text  # the files themselves are never redistributed


def test_credits_json_is_plain_data() -> None:
    [entry] = credits_json([credit("capture", PLEXI, GAIN_7)])
    assert entry["tone_id"] == 4201
    assert entry["licence"] == "cc-by"


def test_control_characters_in_titles_never_reach_the_file() -> None:
    evil = Tone.model_validate(
        {
            "id": 9,
            "title": "Nice Amp\x1b[2J\x1b]0;pwned\x07",
            "user": {"username": "mallory\u202e"},  # a right-to-left override
        }
    )
    model = Model(id=1, tone_id=9, name="A\nlicence:  CC0 (forged)", model_url="u")
    text = attribution_text([credit("capture", evil, model)])
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\u202e" not in text
    assert "Nice Amp[2J]0;pwned — A licence:  CC0 (forged)" in text  # one line, not two


def test_an_ir_is_named_by_its_gear_where_the_gear_says_what_it_is() -> None:
    def kind(gear: str | None) -> str:
        tone = Tone(id=1, title="x", format="ir", gear=gear)
        return credit("ir", tone, Model(id=2, tone_id=1, model_url="u")).kind_label

    assert (kind("cab"), kind("space")) == ("cabinet IR", "reverb IR")
    # Pedal, outboard, experimental (§1.7): the gear does not say, so neither do we.
    assert kind("outboard") == kind(None) == "IR"
    assert credit("capture", PLEXI, GAIN_7).kind_label == "NAM capture"


def test_a_credit_line_is_short_and_readable_for_a_video_end_card() -> None:
    capture, cab = credit("capture", PLEXI, GAIN_7), credit("ir", CAB, CAB_MIC)
    assert credit_line(capture) == (
        "Plexi Lead 100W — NAM capture by ampwright (CC BY 4.0) · tone3000.com/plexi-lead-100w-4201"
    )
    # TONE3000's own licence in a few words; no page URL: no link.
    assert credit_line(cab) == "Lantern 4x12 V30 — cabinet IR by unknown creator (TONE3000 licence)"
    untitled = credit("ir", Tone(id=7), Model(id=8, tone_id=7, model_url="u"))
    assert credit_line(untitled) == "tone 7 — IR by unknown creator"


def test_a_credit_line_shortens_a_long_title_and_drops_control_characters() -> None:
    long = Tone.model_validate(PLEXI.model_dump() | {"title": "Very " * 40 + "Long\x1b[31m\nTitle"})
    line = credit_line(credit("capture", long, GAIN_7))
    assert len(line) <= CREDIT_LINE_MAX
    assert "…" in line
    assert line.endswith("(CC BY 4.0) · tone3000.com/plexi-lead-100w-4201")
    weird = Tone.model_validate(PLEXI.model_dump() | {"title": "Evil\x1b[2J\nTitle"})
    assert credit_line(credit("capture", weird, GAIN_7)).startswith("Evil[2J Title — ")


def test_credit_lines_name_each_model_once() -> None:
    capture, cab = credit("capture", PLEXI, GAIN_7), credit("ir", CAB, CAB_MIC)
    assert credit_lines([capture, cab, capture]) == [credit_line(capture), credit_line(cab)]


def test_short_links_are_web_links_only() -> None:
    assert short_link("https://www.tone3000.com//plexi-lead-100w-4201") == (
        "tone3000.com/plexi-lead-100w-4201"
    )
    assert short_link("http://tone3000.com/tones/12/?ref=x#y") == "tone3000.com/tones/12"
    assert short_link("http://127.0.0.1:8123//riff-4201") == "127.0.0.1:8123/riff-4201"
    bad_links = (None, "", "javascript:alert(1)", "ftp://tone3000.com/x", "//tone3000.com/x")
    for bad in (*bad_links, "http://tone3000.com:99999/x"):
        assert short_link(bad) is None

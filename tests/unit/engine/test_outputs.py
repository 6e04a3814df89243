from toneshootout.engine.outputs import dumps_json, slugify, unique_slugs


def test_slugify_keeps_names_out_of_paths() -> None:
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Clean → 4x12") == "clean-4x12"
    assert slugify("\u202eCON.wav\x00") == "con-wav"
    assert slugify("→→") == "item"
    assert len(slugify("x" * 10_000)) <= 48


def test_unique_slugs_suffixes_collisions() -> None:
    slugs = unique_slugs(["Clean → 4x12", "Clean - 4x12", "clean 4x12"])
    assert list(slugs.values()) == ["clean-4x12", "clean-4x12-2", "clean-4x12-3"]


def test_dumps_json_is_stable() -> None:
    assert dumps_json({"b": 1, "a": [1.5]}) == dumps_json({"a": [1.5], "b": 1})

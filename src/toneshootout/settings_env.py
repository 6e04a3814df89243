"""Reading settings from `TONESHOOTOUT_*` variables, refusing what they cannot mean, in one line.

pydantic-settings reads the variables it knows and silently skips the rest, so one misspelt
letter would leave a default in force without a word. Here every variable with the prefix (any
case, as pydantic-settings matches) must name a field path of the settings, sections joined by
`__`, or be one of the few variables in `NOT_SETTINGS`. A value that does not validate is named
too, instead of a pydantic dump. This module knows nothing of the service's sections: it walks
whatever settings class it is given.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Mapping
from typing import Final, TypeVar, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings
from pydantic_settings import SettingsError as SourceError

PREFIX: Final = "TONESHOOTOUT_"
DELIMITER: Final = "__"
DOCS: Final = "docs/SERVICE.md"
# Field types whose variables pydantic-settings decodes as JSON (as it does sections).
_CONTAINERS: Final = (list, dict, set, tuple)

# Variables with the prefix that the project reads but that are not settings (docs/SERVICE.md,
# "Configuration"). Keep this short: anything a deployment configures belongs in the settings.
NOT_SETTINGS: Final = frozenset(
    {
        # Tests and benchmarks: the folder holding the shared audio fixtures (tests/paths.py).
        "TONESHOOTOUT_SHARED_DIR",
        # Browser tests: the Chromium binary Playwright drives (tests/e2e/browser.py).
        "TONESHOOTOUT_CHROMIUM",
        # Build time: the `-march` of the native NAM kernels (setup.py); set in a shell that
        # also starts the service sometimes, so it must not stop it.
        "TONESHOOTOUT_NATIVE_ARCH",
        # Fault harness (worker/faults.py): named crash points, their probability, queue
        # settings the broker would refuse, sandboxes held mid-render or paced.
        "TONESHOOTOUT_FAULT_CRASH_AT",
        "TONESHOOTOUT_FAULT_CRASH_PROBABILITY",
        "TONESHOOTOUT_FAULT_CRASH_EVERY",
        "TONESHOOTOUT_FAULT_DIR",
        "TONESHOOTOUT_FAULT_PACE_PROGRESS",
        "TONESHOOTOUT_FAULT_UNSAFE_QUEUE",
        "TONESHOOTOUT_FAULT_HOLD_RENDER",
        # Fault harness (tests/fault/cluster.py): marks a run's processes so strays are found.
        "TONESHOOTOUT_FAULT_RUN",
    }
)

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


class ConfigurationError(Exception):
    """A `TONESHOOTOUT_*` variable is unknown or its value unusable; `str(err)` is one line."""


def read_settings(model: type[SettingsT]) -> SettingsT:
    """`model` built from the environment as it is now, or `ConfigurationError` naming why not."""
    refuse_unknown(os.environ, model)
    try:
        return model()
    except SourceError as err:  # a list or section that is not JSON; pydantic names no variable
        raise ConfigurationError(_unreadable(os.environ, model, err)) from None
    except ValidationError as err:
        raise ConfigurationError(_invalid(os.environ, err)) from None


def refuse_unknown(environ: Mapping[str, str], model: type[BaseModel]) -> None:
    """Raise `ConfigurationError` naming every prefixed variable in `environ` that `model`
    does not know and that is not in `NOT_SETTINGS`, with a suggestion for each."""
    known = setting_variables(model)
    unknown = sorted(
        name
        for name in environ
        if name.upper().startswith(PREFIX)
        and name.upper() not in known
        and name.upper() not in NOT_SETTINGS
    )
    if not unknown:
        return
    candidates = sorted(known.keys() | NOT_SETTINGS)
    if len(unknown) == 1:
        raise ConfigurationError(f"unknown setting {unknown[0]}: {_hint(unknown[0], candidates)}")
    described = "; ".join(f"{name} ({_hint(name, candidates)})" for name in unknown)
    raise ConfigurationError(f"unknown settings {described}")


def setting_variables(model: type[BaseModel]) -> dict[str, bool]:
    """Every variable naming a field of `model` (upper case) -> whether its value is JSON.

    A section is a variable too (`TONESHOOTOUT_AUTH='{"cookie_secure": true}'`), as are its
    fields (`TONESHOOTOUT_AUTH__COOKIE_SECURE=true`).
    """
    return dict(_walk(model, PREFIX))


def _walk(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, bool]]:
    for name, field in model.model_fields.items():
        variable = prefix + name.upper()
        section = _section(field.annotation)
        yield variable, section is not None or get_origin(field.annotation) in _CONTAINERS
        if section is not None:
            yield from _walk(section, variable + DELIMITER)


def _section(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _hint(name: str, candidates: list[str]) -> str:
    """A close known name, else the names known in the same section, else the docs."""
    wanted = name.upper().removeprefix(PREFIX)
    # Compared without the shared prefix, which would make every name look alike.
    bare = [candidate.removeprefix(PREFIX) for candidate in candidates]
    close = difflib.get_close_matches(wanted, bare, n=1, cutoff=0.8)
    if close:
        return f"did you mean {PREFIX}{close[0]}?"
    head, nested, _ = wanted.rpartition(DELIMITER)
    if nested:
        section = PREFIX + head + DELIMITER
        siblings = [
            candidate.removeprefix(section)
            for candidate in candidates
            if candidate.startswith(section) and DELIMITER not in candidate.removeprefix(section)
        ]
        if siblings:
            return f"known in {section}: {', '.join(siblings)}"
    return f"see {DOCS}"


def _invalid(environ: Mapping[str, str], err: ValidationError) -> str:
    """One line naming each variable whose value failed validation, and why."""
    problems = [_problem(environ, error) for error in err.errors()]
    if len(problems) == 1 and problems[0][0]:
        name, why = problems[0]
        return f"invalid setting {name}: {why}"
    return "invalid settings: " + "; ".join(f"{n}: {why}" if n else why for n, why in problems)


def _problem(environ: Mapping[str, str], error: ErrorDetails) -> tuple[str, str]:
    """The variable to blame ("" for a check across settings, whose message names them) and why."""
    why = "no such setting" if error["type"] == "extra_forbidden" else error["msg"]
    why = why.removeprefix("Value error, ")
    path: list[str] = []
    for part in error["loc"]:
        if not isinstance(part, str):  # an item of a list: the variable is the list
            break
        path.append(part)
    if not path:
        return "", why
    # The variable actually set: the field's own, or a section given whole as JSON (then the
    # key inside it is named too).
    set_names = {name.upper() for name in environ}
    for end in range(len(path), 0, -1):
        name = PREFIX + DELIMITER.join(path[:end]).upper()
        if name in set_names:
            inside = ".".join(path[end:])
            return name, f"{inside}: {why}" if inside else why
    return PREFIX + DELIMITER.join(path).upper(), why


def _unreadable(environ: Mapping[str, str], model: type[BaseModel], err: SourceError) -> str:
    """Name the JSON-valued variables whose values are not JSON."""
    json_valued = {name for name, is_json in setting_variables(model).items() if is_json}
    culprits = sorted(
        name
        for name, value in environ.items()
        if name.upper() in json_valued and not _is_json(value)
    )
    if not culprits:
        return f"{str(err).splitlines()[0]} (see {DOCS})"
    return (
        f"invalid setting {', '.join(culprits)}: not JSON (lists and whole sections are "
        """given as JSON, e.g. TONESHOOTOUT_HTTP__CORS_ORIGINS='["https://a.example"]')"""
    )


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True

"""The TONE3000 models a shootout's blocks name, looked up when a render is submitted.

As the submitting user (their sign-in, their call budget), each tone and model is fetched once,
checked (the model is one of the tone's, of the kind the block needs), and frozen for the
snapshot: whom to credit (§1.9) and where the worker downloads the file. Network only: callers
hold no database transaction while TONE3000 answers. TONE3000's refusals become the render's
domain errors, each with the block's JSON path where one block is to blame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from toneshootout.server.errors import DomainError
from toneshootout.server.render.errors import (
    Tone3000BadAnswer,
    Tone3000Busy,
    Tone3000Deleted,
    Tone3000Private,
    Tone3000SignInRequired,
    Tone3000Unreachable,
    Tone3000WrongModel,
)
from toneshootout.server.render.snapshot import FrozenModel
from toneshootout.server.shootout.schemas import CaptureBlockIn, IrBlockIn, ShootoutIn
from toneshootout.tone3000.api import Tone3000Api
from toneshootout.tone3000.attribution import credit
from toneshootout.tone3000.errors import (
    RateLimited,
    SignInRequired,
    Tone3000Error,
    ToneDeleted,
    TonePrivate,
    Unreachable,
)
from toneshootout.tone3000.wire import Model, Tone

# The tone format each kind of block can use (TONE3000.md §1.7).
FORMATS: Final = {"capture": "nam", "ir": "ir"}
_FORMAT_WORDS: Final = {"nam": "NAM captures", "ir": "IRs"}


@dataclass(frozen=True)
class ModelRef:
    """One block's TONE3000 model, and where the block is in the body."""

    kind: str  # "capture" or "ir"
    tone_id: int
    model_id: int
    path: str

    @property
    def named(self) -> str:
        return f"tone {self.tone_id}, model {self.model_id}"


def model_refs(body: ShootoutIn) -> list[ModelRef]:
    """Every block of `body` that names a TONE3000 model, in document order."""
    refs = []
    for c, chain in enumerate(body.chains):
        for b, block in enumerate(chain.blocks):
            if isinstance(block, CaptureBlockIn | IrBlockIn) and block.tone3000 is not None:
                ref = block.tone3000
                path = f"chains.{c}.blocks.{b}.tone3000"
                refs.append(ModelRef(block.type, ref.tone_id, ref.model_id, path))
    return refs


def domain_error(err: Tone3000Error, ref: ModelRef | None = None) -> DomainError:
    """TONE3000's refusal in the render's words (`ref`: the block it is about, if one)."""
    where = f"{ref.path} ({ref.named}): " if ref else ""
    path = ref.path if ref else None
    if isinstance(err, SignInRequired):
        return Tone3000SignInRequired()
    if isinstance(err, TonePrivate):
        return Tone3000Private(f"{where}{err}", path=path)
    if isinstance(err, ToneDeleted):
        return Tone3000Deleted(f"{where}{err}", path=path)
    if isinstance(err, RateLimited):
        wait = max(1, math.ceil(err.retry_after))
        return Tone3000Busy(str(err), retry_after_seconds=wait)
    if isinstance(err, Unreachable):
        return Tone3000Unreachable(str(err))
    return Tone3000BadAnswer(f"{where}{err}")


def check_model(ref: ModelRef, tone: Tone, model: Model) -> None:
    """The model must be one of the tone's, and of the kind the block renders."""
    if model.tone_id != ref.tone_id:
        message = f"{ref.path}: model {ref.model_id} is not one of tone {ref.tone_id}'s models"
        raise Tone3000WrongModel(message, path=ref.path)
    wanted = FORMATS[ref.kind]
    if tone.format != wanted:
        has = _FORMAT_WORDS.get(tone.format or "", f"{tone.format or 'unknown'}-format models")
        block = "a capture block" if ref.kind == "capture" else "an IR block"
        message = f"{ref.path}: tone {ref.tone_id} has {has}; {block} needs {_FORMAT_WORDS[wanted]}"
        raise Tone3000WrongModel(message, path=ref.path)


async def look_up(api: Tone3000Api, refs: Sequence[ModelRef]) -> dict[int, FrozenModel]:
    """Each referenced model by id, checked and frozen; a domain error for the first refusal."""
    tones: dict[int, Tone] = {}
    models: dict[int, Model] = {}
    frozen: dict[int, FrozenModel] = {}
    for ref in refs:
        try:
            if ref.tone_id not in tones:
                tones[ref.tone_id] = await api.tone(ref.tone_id)
            if ref.model_id not in models:
                models[ref.model_id] = await api.model(ref.model_id)
        except Tone3000Error as err:
            raise domain_error(err, ref) from None
        tone, model = tones[ref.tone_id], models[ref.model_id]
        check_model(ref, tone, model)
        frozen[model.id] = FrozenModel(credit(ref.kind, tone, model), model.model_url)
    return frozen

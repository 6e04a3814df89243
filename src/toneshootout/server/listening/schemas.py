"""Listening API shapes. Before reveal, a blind session's JSON is the same length whichever
chain sits where: letters are one character, every audio URL has the same length."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Letter = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M",
    "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z",
]  # fmt: skip


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoteIn(_Input):
    round: int = Field(ge=0, le=1000)
    choice: Letter


class AbxStart(_Input):
    di: int = Field(ge=0, le=1000, description="DI index, in the shared render's order")
    a: int = Field(ge=0, le=1000, description="chain index of A")
    b: int = Field(ge=0, le=1000, description="chain index of B (not A)")
    trials: int = Field(default=16, ge=8, le=64)
    feedback: bool = Field(default=False, description="say right or wrong after each trial")


class AnswerIn(_Input):
    trial: int = Field(ge=0, le=1000)
    answer: Literal["A", "B"]


class Side(BaseModel):
    letter: str
    audio_url: str


class BlindRoundOut(BaseModel):
    index: int
    di: int
    left: Side
    right: Side
    choice: str | None


class RevealedVote(BaseModel):
    round: int
    di: str
    winner: str
    loser: str


class Reveal(BaseModel):
    letters: dict[str, str]
    your_votes: list[RevealedVote]


class BlindSession(BaseModel):
    id: uuid.UUID
    kind: Literal["blind"] = "blind"
    share_title: str
    letters: list[str]
    dis: list[str]
    rounds: list[BlindRoundOut]
    voted: int
    total: int
    complete: bool
    voting_open: bool
    reveal: Reveal | None


class AbxChain(BaseModel):
    name: str
    audio_url: str


class AbxTrial(BaseModel):
    index: int
    x_url: str


class AbxLast(BaseModel):
    trial: int
    correct: bool


class AbxResult(BaseModel):
    correct: int
    trials: int
    p_value: float
    words: str


class AbxAnswerOut(BaseModel):
    trial: int
    answer: Literal["A", "B"]
    x: Literal["A", "B"]
    correct: bool


class AbxRun(BaseModel):
    id: uuid.UUID
    kind: Literal["abx"] = "abx"
    di: str
    a: AbxChain
    b: AbxChain
    trials: int
    feedback: bool
    answered: int
    trial: AbxTrial | None
    last: AbxLast | None
    complete: bool
    result: AbxResult | None
    answers: list[AbxAnswerOut] | None


class PairOut(BaseModel):
    a: str
    b: str
    wins_a: int
    wins_b: int
    n: int
    p_value: float


class StrengthOut(BaseModel):
    chain: str
    strength: float
    ci_low: float | None  # None: not linked to the others by any vote
    ci_high: float | None
    win_probability: float


class Group(BaseModel):
    pairs: list[PairOut]
    bradley_terry: list[StrengthOut] | None


class DiGroup(Group):
    di: str


class AbxRunDetail(BaseModel):
    trials: int
    correct: int
    p_value: float
    finished_at: datetime | None


class AbxSummary(BaseModel):
    di: str
    a: str
    b: str
    runs: int
    completed: int
    trials: int
    correct: int
    p_value: float | None  # pooled over completed runs; None when none completed
    runs_detail: list[AbxRunDetail]


class SessionSummary(BaseModel):
    listener: str
    seed: str  # a string: JavaScript numbers lose integers past 2**53
    created_at: datetime
    votes: int


class Results(BaseModel):
    share_id: uuid.UUID
    chains: list[str]
    dis: list[str]
    listeners: int
    votes: int
    voting_open: bool
    overall: Group
    per_di: list[DiGroup]
    abx: list[AbxSummary]
    sessions: list[SessionSummary]

"""Listening rules: a listener's blind session and ABX runs, their answers, and blind audio.

Everything a listener is sent before reveal is built here from opaque handles: a handle's URL
names neither DI nor chain, every handle of a DI serves a WAV of the same size and header, and a
blind session's JSON names chains only in the reveal, which exists once every round is voted.
The answer key (letters, X per trial) stays in the session's `design`, server-side.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any, Final

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.listening import blind_audio, design, stats
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.models.share import ListeningAnswer, ListeningSession, Share
from toneshootout.server.listening import facts as facts_module
from toneshootout.server.listening import repository
from toneshootout.server.listening.errors import (
    AlreadyVoted,
    InvalidChoice,
    InvalidRound,
    InvalidSelection,
    NotEnoughChains,
    RunComplete,
    SessionNotFound,
    VotingClosed,
    WrongTrial,
)
from toneshootout.server.listening.facts import RenderFacts
from toneshootout.server.listening.schemas import (
    AbxAnswerOut,
    AbxChain,
    AbxLast,
    AbxResult,
    AbxRun,
    AbxStart,
    AbxTrial,
    BlindRoundOut,
    BlindSession,
    Reveal,
    RevealedVote,
    Side,
)
from toneshootout.server.share.access import is_live
from toneshootout.server.storage.base import Storage

HANDLE_BYTES: Final = 16  # token_urlsafe(16): 22 characters, every URL the same length
AB: Final = ("A", "B")


def audio_url(session_id: uuid.UUID, handle: str) -> str:
    return f"/api/v1/listening/{session_id}/audio/{handle}"


def _handle(di: int, chain: int) -> dict[str, int | str]:
    return {
        "h": secrets.token_urlsafe(HANDLE_BYTES),
        "di": di,
        "chain": chain,
        "seed": design.new_seed(),
    }


async def _open(
    session: AsyncSession, session_id: uuid.UUID, listener_id: uuid.UUID | None
) -> tuple[ListeningSession, Share]:
    """The listener's own session on a live share; anything else is the same 404."""
    listening = await repository.get(session, session_id)
    if listening is None or listener_id is None or listening.listener_id != listener_id:
        raise SessionNotFound()
    share = await repository.share_of(session, listening)
    if share is None or not is_live(share, utcnow()):
        raise SessionNotFound()
    return listening, share


# --- blind preference -------------------------------------------------------------------------


async def start_blind(
    session: AsyncSession, storage: Storage, share: Share, listener_id: uuid.UUID
) -> tuple[BlindSession, bool]:
    """The listener's blind session on `share`, made on first call; True when new."""
    facts = await facts_module.render_facts(session, storage, share)
    existing = await repository.blind_of(session, share.id, listener_id)
    if existing is not None:
        return await _blind_out(session, existing, share, facts), False
    if len(facts.chains) < 2 or not facts.dis:
        raise NotEnoughChains()
    seed = design.new_seed()
    drawn = design.blind_design(seed, n_chains=len(facts.chains), n_dis=len(facts.dis))
    needed = sorted({(r.di, c) for r in drawn.rounds for c in (r.left, r.right)})
    listening = ListeningSession(
        id=uuid.uuid4(),
        share_id=share.id,
        listener_id=listener_id,
        kind="blind",
        seed=seed,
        design={
            "letters": drawn.letters,
            "rounds": [[r.di, r.left, r.right] for r in drawn.rounds],
            "handles": [_handle(di, chain) for di, chain in needed],
        },
        created_at=utcnow(),
    )
    if not await repository.insert_new(session, listening):  # a concurrent first call won
        raced = await repository.blind_of(session, share.id, listener_id)
        if raced is None:
            raise SessionNotFound()
        return await _blind_out(session, raced, share, facts), False
    return await _blind_out(session, listening, share, facts), True


def _letter(design_: dict[str, Any], chain: int) -> str:
    return design.LETTERS[int(design_["letters"][chain])]


def _blind_handle(design_: dict[str, Any], di: int, chain: int) -> str:
    for handle in design_["handles"]:
        if handle["di"] == di and handle["chain"] == chain:
            return str(handle["h"])
    raise SessionNotFound()


async def _blind_out(
    session: AsyncSession, listening: ListeningSession, share: Share, facts: RenderFacts
) -> BlindSession:
    plan = listening.design
    votes = {a.round: a.choice for a in await repository.answers(session, listening.id)}
    rounds = []
    for index, (di, left, right) in enumerate(plan["rounds"]):
        chosen = votes.get(index)
        rounds.append(
            BlindRoundOut(
                index=index,
                di=di,
                left=Side(
                    letter=_letter(plan, left),
                    audio_url=audio_url(listening.id, _blind_handle(plan, di, left)),
                ),
                right=Side(
                    letter=_letter(plan, right),
                    audio_url=audio_url(listening.id, _blind_handle(plan, di, right)),
                ),
                choice=None if chosen is None else _letter(plan, chosen),
            )
        )
    total = len(plan["rounds"])
    complete = len(votes) == total
    reveal = None
    if complete:
        your_votes = []
        for index, (di, left, right) in enumerate(plan["rounds"]):
            winner = votes[index]
            loser = right if winner == left else left
            your_votes.append(
                RevealedVote(
                    round=index,
                    di=facts.dis[di],
                    winner=facts.chains[winner],
                    loser=facts.chains[loser],
                )
            )
        letters = {_letter(plan, c): name for c, name in enumerate(facts.chains)}
        reveal = Reveal(letters=dict(sorted(letters.items())), your_votes=your_votes)
    return BlindSession(
        id=listening.id,
        share_title=facts.title,
        letters=[design.LETTERS[i] for i in range(len(plan["letters"]))],
        dis=facts.dis,
        rounds=rounds,
        voted=len(votes),
        total=total,
        complete=complete,
        voting_open=share.voting_open,
        reveal=reveal,
    )


async def vote(
    session: AsyncSession,
    storage: Storage,
    *,
    session_id: uuid.UUID,
    listener_id: uuid.UUID | None,
    round_index: int,
    choice: str,
) -> BlindSession:
    listening, share = await _open(session, session_id, listener_id)
    if listening.kind != "blind":
        raise SessionNotFound()
    plan = listening.design
    if not share.voting_open:
        raise VotingClosed()
    if not 0 <= round_index < len(plan["rounds"]):
        raise InvalidRound(f"round must be 0 to {len(plan['rounds']) - 1}, got {round_index}")
    _, left, right = plan["rounds"][round_index]
    sides = {_letter(plan, left): left, _letter(plan, right): right}
    if choice not in sides:
        raise InvalidChoice(f"round {round_index} is between {' and '.join(sorted(sides))}")
    answer = ListeningAnswer(
        session_id=listening.id,
        round=round_index,
        choice=sides[choice],
        correct=None,
        created_at=utcnow(),
    )
    if not await repository.insert_new(session, answer):
        raise AlreadyVoted(round_index)
    facts = await facts_module.render_facts(session, storage, share)
    out = await _blind_out(session, listening, share, facts)
    if out.complete and listening.completed_at is None:
        listening.completed_at = utcnow()
        await session.flush()
    return out


# --- ABX ----------------------------------------------------------------------------------------


async def start_abx(
    session: AsyncSession,
    storage: Storage,
    share: Share,
    listener_id: uuid.UUID,
    start: AbxStart,
) -> AbxRun:
    facts = await facts_module.render_facts(session, storage, share)
    if not start.di < len(facts.dis):
        raise InvalidSelection(f"di must be 0 to {len(facts.dis) - 1}, got {start.di}")
    for name, chain in (("a", start.a), ("b", start.b)):
        if not chain < len(facts.chains):
            raise InvalidSelection(f"{name} must be 0 to {len(facts.chains) - 1}, got {chain}")
    if start.a == start.b:
        raise InvalidSelection("A and B must be two different chains")
    seed = design.new_seed()
    xs = design.abx_design(seed, start.trials)
    chains = [start.a, start.b, *((start.a, start.b)[x] for x in xs)]
    listening = ListeningSession(
        id=uuid.uuid4(),
        share_id=share.id,
        listener_id=listener_id,
        kind="abx",
        seed=seed,
        design={
            "di": start.di,
            "a": start.a,
            "b": start.b,
            "trials": start.trials,
            "feedback": start.feedback,
            "xs": xs,
            "handles": [_handle(start.di, chain) for chain in chains],
        },
        created_at=utcnow(),
    )
    await repository.insert_new(session, listening)
    return _abx_out(listening, [], facts)


def _abx_out(
    listening: ListeningSession, answers: list[ListeningAnswer], facts: RenderFacts
) -> AbxRun:
    plan = listening.design
    handles = [str(h["h"]) for h in plan["handles"]]
    trials, answered = int(plan["trials"]), len(answers)
    complete = answered == trials
    last = None
    if plan["feedback"] and answers:
        last = AbxLast(trial=answers[-1].round, correct=bool(answers[-1].correct))
    result, detail = None, None
    if complete:
        correct = sum(1 for a in answers if a.correct)
        p_value = stats.abx_p_value(correct, trials)
        result = AbxResult(
            correct=correct,
            trials=trials,
            p_value=p_value,
            words=stats.chance_words(correct, trials, p_value),
        )
        detail = [
            AbxAnswerOut(
                trial=a.round,
                answer=AB[a.choice],
                x=AB[int(plan["xs"][a.round])],
                correct=bool(a.correct),
            )
            for a in answers
        ]
    return AbxRun(
        id=listening.id,
        di=facts.dis[int(plan["di"])],
        a=AbxChain(
            name=facts.chains[int(plan["a"])], audio_url=audio_url(listening.id, handles[0])
        ),
        b=AbxChain(
            name=facts.chains[int(plan["b"])], audio_url=audio_url(listening.id, handles[1])
        ),
        trials=trials,
        feedback=bool(plan["feedback"]),
        answered=answered,
        # X's handle for a trial is issued only once that trial is the current one.
        trial=None
        if complete
        else AbxTrial(index=answered, x_url=audio_url(listening.id, handles[2 + answered])),
        last=last,
        complete=complete,
        result=result,
        answers=detail,
    )


async def answer(
    session: AsyncSession,
    storage: Storage,
    *,
    session_id: uuid.UUID,
    listener_id: uuid.UUID | None,
    trial: int,
    given: str,
) -> AbxRun:
    listening, share = await _open(session, session_id, listener_id)
    if listening.kind != "abx":
        raise SessionNotFound()
    plan = listening.design
    answers = await repository.answers(session, listening.id)
    if len(answers) >= int(plan["trials"]):
        raise RunComplete()
    if trial != len(answers):
        raise WrongTrial(len(answers))
    choice = AB.index(given)
    recorded = ListeningAnswer(
        session_id=listening.id,
        round=trial,
        choice=choice,
        correct=choice == int(plan["xs"][trial]),
        created_at=utcnow(),
    )
    if not await repository.insert_new(session, recorded):
        raise WrongTrial(len(answers) + 1)  # a concurrent request answered it first
    answers.append(recorded)
    if len(answers) == int(plan["trials"]):
        listening.completed_at = utcnow()
        await session.flush()
    facts = await facts_module.render_facts(session, storage, share)
    return _abx_out(listening, answers, facts)


# --- reading ------------------------------------------------------------------------------------


async def read(
    session: AsyncSession, storage: Storage, *, session_id: uuid.UUID, listener_id: uuid.UUID | None
) -> BlindSession | AbxRun:
    listening, share = await _open(session, session_id, listener_id)
    facts = await facts_module.render_facts(session, storage, share)
    if listening.kind == "blind":
        return await _blind_out(session, listening, share, facts)
    return _abx_out(listening, await repository.answers(session, listening.id), facts)


async def audio(
    session: AsyncSession,
    storage: Storage,
    *,
    session_id: uuid.UUID,
    listener_id: uuid.UUID | None,
    handle: str,
) -> bytes:
    """The blind WAV behind `handle`: common length, channels and level of its DI, own dither."""
    listening, share = await _open(session, session_id, listener_id)
    plan = listening.design
    handles = plan["handles"]
    index = next(
        (i for i, h in enumerate(handles) if secrets.compare_digest(str(h["h"]), handle)), None
    )
    if index is None:
        raise SessionNotFound()
    if listening.kind == "abx" and index >= 2:
        # A trial's X exists for the listener only once that trial is current (or past).
        answered = len(await repository.answers(session, listening.id))
        if index - 2 > answered:
            raise SessionNotFound()
    entry = handles[index]
    di, chain = int(entry["di"]), int(entry["chain"])
    facts = await facts_module.render_facts(session, storage, share)
    layout = await facts_module.take_layout(session, storage, share, facts, di)
    local = await facts_module.local_take(session, storage, share, facts, di=di, chain=chain)

    def make() -> bytes:
        return blind_audio.blind_wav(
            local,
            frames=layout.frames,
            channels=layout.channels,
            gain_db=layout.gain_db[chain],
            seed=int(entry["seed"]),
        )

    return await anyio.to_thread.run_sync(make)

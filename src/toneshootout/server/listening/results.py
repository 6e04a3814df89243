"""The owner's results of a share: blind votes per pair and per DI, Bradley–Terry, ABX runs.

Votes are (DI, winner, loser) triples read back through each session's stored design, so the
answer key never needed to leave the server. Statistics: `toneshootout.listening.stats`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import combinations

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.listening import stats
from toneshootout.server.db.models.share import Share
from toneshootout.server.listening import facts as facts_module
from toneshootout.server.listening import repository
from toneshootout.server.listening.schemas import (
    AbxRunDetail,
    AbxSummary,
    DiGroup,
    Group,
    PairOut,
    Results,
    SessionSummary,
    StrengthOut,
)
from toneshootout.server.storage.base import Storage

Vote = tuple[int, int, int]  # (DI index, winner chain, loser chain)


def _bound(value: float) -> float | None:
    return value if math.isfinite(value) else None


def group(chains: list[str], votes: list[tuple[int, int]]) -> Group:
    """Per-pair counts with sign tests, and Bradley–Terry for more than two chains."""
    wins: dict[tuple[int, int], int] = defaultdict(int)
    for winner, loser in votes:
        wins[(winner, loser)] += 1
    pairs = []
    for a, b in combinations(range(len(chains)), 2):
        wins_a, wins_b = wins[(a, b)], wins[(b, a)]
        pairs.append(
            PairOut(
                a=chains[a],
                b=chains[b],
                wins_a=wins_a,
                wins_b=wins_b,
                n=wins_a + wins_b,
                p_value=stats.sign_test(wins_a, wins_b),
            )
        )
    strengths = None
    if len(chains) > 2:
        fitted = stats.bradley_terry(len(chains), votes)
        strengths = [
            StrengthOut(
                chain=chains[s.index],
                strength=s.strength,
                ci_low=_bound(s.ci_low),
                ci_high=_bound(s.ci_high),
                win_probability=s.win_probability_vs_average,
            )
            for s in fitted.strengths
        ]
    return Group(pairs=pairs, bradley_terry=strengths)


async def share_results(session: AsyncSession, storage: Storage, share: Share) -> Results:
    facts = await facts_module.render_facts(session, storage, share)
    sessions = await repository.sessions_of_share(session, share.id)
    answers = await repository.answers_of_sessions(session, [s.id for s in sessions])
    by_session = defaultdict(list)
    for answer in answers:
        by_session[answer.session_id].append(answer)

    votes: list[Vote] = []
    summaries: list[SessionSummary] = []
    abx_runs: dict[tuple[int, int, int], list[AbxRunDetail]] = defaultdict(list)
    for listening in sessions:
        given = by_session[listening.id]
        if listening.kind == "blind":
            rounds = listening.design["rounds"]
            for answer in given:
                di, left, right = rounds[answer.round]
                loser = right if answer.choice == left else left
                votes.append((int(di), int(answer.choice), int(loser)))
            summaries.append(
                SessionSummary(
                    listener=f"Listener {len(summaries) + 1}",
                    seed=str(listening.seed),
                    created_at=listening.created_at,
                    votes=len(given),
                )
            )
        else:
            plan = listening.design
            key = (int(plan["di"]), *sorted((int(plan["a"]), int(plan["b"]))))
            trials = int(plan["trials"])
            correct = sum(1 for a in given if a.correct)
            done = listening.completed_at is not None
            abx_runs[(key[0], key[1], key[2])].append(
                AbxRunDetail(
                    trials=trials if done else len(given),
                    correct=correct,
                    p_value=stats.abx_p_value(correct, trials) if done else math.nan,
                    finished_at=listening.completed_at,
                )
            )

    chains, dis = facts.chains, facts.dis
    abx = []
    for (di, a, b), runs in sorted(abx_runs.items()):
        finished = [run for run in runs if run.finished_at is not None]
        trials = sum(run.trials for run in finished)
        correct = sum(run.correct for run in finished)
        abx.append(
            AbxSummary(
                di=dis[di],
                a=chains[a],
                b=chains[b],
                runs=len(runs),
                completed=len(finished),
                trials=trials,
                correct=correct,
                p_value=stats.abx_p_value(correct, trials) if finished else None,
                runs_detail=finished,
            )
        )
    return Results(
        share_id=share.id,
        chains=chains,
        dis=dis,
        listeners=len(summaries),
        votes=len(votes),
        voting_open=share.voting_open,
        overall=group(chains, [(won, lost) for _, won, lost in votes]),
        per_di=[
            DiGroup(
                di=name,
                **group(chains, [(won, lost) for d, won, lost in votes if d == i]).model_dump(),
            )
            for i, name in enumerate(dis)
        ],
        abx=abx,
        sessions=summaries,
    )

"""Listening errors: refusals a listener can act on, with their reason codes."""

from __future__ import annotations

from toneshootout.server.errors import Conflict, Forbidden, Invalid, NotFound


class SessionNotFound(NotFound):
    """Unknown, someone else's, or on a dead share: one answer for all three."""

    code = "not_found"

    def __init__(self) -> None:
        super().__init__("no such listening session")


class AlreadyVoted(Conflict):
    code = "already_voted"

    def __init__(self, round_index: int) -> None:
        super().__init__(f"round {round_index} already has your vote")


class VotingClosed(Conflict):
    code = "voting_closed"

    def __init__(self) -> None:
        super().__init__("the owner has closed voting on this shootout")


class WrongTrial(Conflict):
    code = "wrong_trial"

    def __init__(self, expected: int) -> None:
        super().__init__(f"trials are answered in order; the current trial is {expected}")


class RunComplete(Conflict):
    code = "run_complete"

    def __init__(self) -> None:
        super().__init__("this ABX run is complete")


class InvalidRound(Invalid):
    code = "invalid_round"


class InvalidChoice(Invalid):
    code = "invalid_choice"


class InvalidSelection(Invalid):
    code = "invalid_selection"


class NotEnoughChains(Conflict):
    code = "not_enough_chains"

    def __init__(self) -> None:
        super().__init__("a listening test needs at least two chains")


class CrossSiteRefused(Forbidden):
    code = "cross_site"

    def __init__(self) -> None:
        super().__init__("listening requests are accepted from this site's own pages only")

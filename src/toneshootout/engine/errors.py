"""The engine's error tree: every refusal names what is wrong and why, nothing about HTTP."""


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class InvalidInput(EngineError):
    """A file, spec field or parameter the engine refuses; `source` names it."""


class UnsupportedFeature(InvalidInput):
    """Well-formed input that uses something the engine does not implement."""


class RenderCancelled(EngineError):
    """The caller cancelled the render; partial work was discarded."""

    def __init__(self, source: str = "render", reason: str = "cancelled") -> None:
        super().__init__(source, reason)

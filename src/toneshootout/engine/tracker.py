"""Turn per-step fractions into one overall fraction and an ETA for a whole render.

Shares of the whole: loading 2 %, alignment probes 6 %, chain renders 74 % (split by DI
length × chains, the only part whose cost grows with audio), per-DI outputs 18 %. A render
with video spends most of its time encoding (x264 costs about as much per second of montage as
a chain render per second of DI), so then the renders get 40 %, the outputs 52 % and, within a
DI's outputs, the video two thirds.
"""

from __future__ import annotations

from toneshootout.engine.progress import EtaClock, ProgressEvent, ProgressSink

_LOAD, _ALIGN, _RENDER, _POST = 0.02, 0.06, 0.74, 0.18
POST_STEPS = ("audio", "montage", "metrics", "plots", "video")
_POST_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.0)
_VIDEO_RENDER, _VIDEO_POST = 0.40, 0.52
_VIDEO_POST_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 8.0)


class Tracker:
    """Maps (step, DI, chain, fraction) to the overall fraction and reports it."""

    def __init__(self, sink: ProgressSink) -> None:
        self._sink = sink
        self._clock = EtaClock()
        self._overall = 0.0
        self._di_index: dict[str, int] = {}
        self._chain_index: dict[str, int] = {}
        self._di_weights: list[float] = []
        self._n_chains = 1
        self._render, self._post, self._post_weights = _RENDER, _POST, _POST_WEIGHTS

    def plan(
        self,
        di_names: list[str],
        di_lengths: list[int],
        chain_names: list[str],
        *,
        video: bool = False,
    ) -> None:
        total = float(sum(di_lengths)) or 1.0
        self._di_index = {name: i for i, name in enumerate(di_names)}
        self._chain_index = {name: j for j, name in enumerate(chain_names)}
        self._di_weights = [n / total for n in di_lengths]
        self._n_chains = max(1, len(chain_names))
        if video:
            self._render, self._post = _VIDEO_RENDER, _VIDEO_POST
            self._post_weights = _VIDEO_POST_WEIGHTS

    def _di_start(self, di: str) -> tuple[float, float]:
        i = self._di_index[di]
        return sum(self._di_weights[:i]), self._di_weights[i]

    def _position(self, step: str, fraction: float, di: str | None, chain: str | None) -> float:
        if step == "load":
            return _LOAD * fraction
        if step == "align":
            return _LOAD + _ALIGN * fraction
        if di is None:
            return self._overall
        before, weight = self._di_start(di)
        if step == "render" and chain is not None:
            j = self._chain_index[chain]
            start = before + weight * j / self._n_chains
            return _LOAD + _ALIGN + self._render * (start + weight * fraction / self._n_chains)
        k = POST_STEPS.index(step) if step in POST_STEPS else 0
        weights = self._post_weights
        share = (sum(weights[:k]) + weights[k] * fraction) / sum(weights)
        return _LOAD + _ALIGN + self._render + self._post * (before + weight * share)

    def advance(
        self, step: str, fraction: float, *, di: str | None = None, chain: str | None = None
    ) -> None:
        """Report progress within one step; the overall fraction never goes backwards."""
        fraction = min(1.0, max(0.0, fraction))
        self._overall = max(self._overall, min(1.0, self._position(step, fraction, di, chain)))
        self._sink(
            ProgressEvent(
                step=step,
                fraction=fraction,
                overall=self._overall,
                eta_seconds=self._clock.eta(self._overall),
                di=di,
                chain=chain,
            )
        )

    def finish(self) -> None:
        self._overall = 1.0
        self._sink(ProgressEvent(step="done", fraction=1.0, overall=1.0, eta_seconds=0.0))

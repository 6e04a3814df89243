"""Array types shared across the engine."""

import numpy as np
import numpy.typing as npt

# Mono audio is a 1-D float32 array; multichannel audio is (frames, channels).
Signal = npt.NDArray[np.float32]
Float64Array = npt.NDArray[np.float64]

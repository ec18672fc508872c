"""The mutant catalogue's hand-written quantizers, with no bug in, are the engine byte for
byte: so each mutant differs from the engine by its one named bug, and a falsifier that
kills it has caught that bug, not an artefact of the re-implementation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.quantize import quantize
from falsifiers.mutants.quantize import CONTROLS
from falsifiers.test_quantize import legacy_data_classes


@pytest.mark.parametrize("qtype", sorted(CONTROLS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_control_encoders_reproduce_the_engine(qtype: str, seed: int) -> None:
    for name, x in legacy_data_classes(np.random.default_rng(seed)).items():
        blocks = x.astype(np.float32).reshape(-1, 32)
        with np.errstate(all="ignore"):
            control = CONTROLS[qtype](blocks)
        assert np.array_equal(control.reshape(-1), quantize(x, qtype).reshape(-1)), f"{qtype} {name}"

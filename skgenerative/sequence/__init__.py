"""Sequence models (§20.7): Boltzmann machines whose biases follow the past.

Input convention of every model here: one 2-D array ``X`` of frames, the
sequences one after the other, plus ``lengths`` (frames per sequence), as
hmmlearn takes it; ``lengths=None`` means one sequence. ``sequence_ids``
(one label per frame) may replace ``lengths``: being sample-aligned, it is
what model selection slices per fold (metadata routing, with a group
splitter such as ``GroupKFold(groups=sequence_ids)``). ``score_samples``
returns one log-likelihood per sequence (exact, or per-frame AIS beyond
``exact_limit``) and ``score`` the mean log-likelihood per frame.
"""

from ._crbm import ConditionalRBM
from ._rnnrbm import RNNRBM

__all__ = ["ConditionalRBM", "RNNRBM"]

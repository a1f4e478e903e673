import numpy as np
import pytest

import skgenerative


@pytest.mark.parametrize(
    "name",
    ["FVSBN", "NADE", "NeuralAutoregressive", "OrderAgnosticNADE", "RNADE",
     "LinearGaussianAutoregressive"],
)
def test_exact_scores_report_zero_standard_error(name, random_binary):
    model = getattr(skgenerative, name)()
    if "max_iter" in model.get_params():
        model.set_params(max_iter=1)
    model.set_params(random_state=0).fit(random_binary)
    assert model.score_kind_ == "exact"
    log_prob, std = model.score_samples(random_binary[:7], return_std=True)
    np.testing.assert_array_equal(log_prob, model.score_samples(random_binary[:7]))
    assert std.shape == (7,) and std.dtype == log_prob.dtype
    np.testing.assert_array_equal(std, 0.0)

"""What users do with generative models inside scikit-learn: estimators built
on any skgenerative model (outlier detection, imputation).

This layer sits above the model families: it imports them, they never import
it (``tests/test_layering.py``).
"""

from ._imputer import GenerativeImputer
from ._outliers import DensityOutlierDetector

__all__ = ["DensityOutlierDetector", "GenerativeImputer"]

"""Atlas's API on the wire: the bodies products send and the answers Atlas gives.

Atlas's routes declare these as their request and response models and the Atlas client
(`safewatch.atlas_client`) reads its answers into them, so both sides share one definition.
"""

from safewatch.contracts.atlas.classify import ClassifyRequest, StoredThreatOut, ThreatOut
from safewatch.contracts.atlas.feedback import FeedbackIn, FeedbackOut
from safewatch.contracts.atlas.media import AnalysisOut, MediaContext, MediaType
from safewatch.contracts.atlas.patterns import PatternsOut, Recommendation, RecommendationsOut

__all__ = [
    "AnalysisOut",
    "ClassifyRequest",
    "FeedbackIn",
    "FeedbackOut",
    "MediaContext",
    "MediaType",
    "PatternsOut",
    "Recommendation",
    "RecommendationsOut",
    "StoredThreatOut",
    "ThreatOut",
]

"""Raw capture bytes → clean policy text: charset repair, main-text extraction, normalisation, language.

Nothing here talks to the network or the warehouse.
"""

from palimpsest.extractors.normalise import count_words, normalise, text_sha256
from palimpsest.extractors.policy import extract_policy
from palimpsest.extractors.records import Extracted

__all__ = ["Extracted", "count_words", "extract_policy", "normalise", "text_sha256"]

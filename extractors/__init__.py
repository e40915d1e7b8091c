"""Raw capture bytes → clean policy text: charset repair, main-text extraction, normalisation, language.

Nothing here talks to the network or the warehouse. The normal form that identifies a version lives in the kernel
(``palimpsest.text.normal``) because the warehouse and the comparison use it too; it is offered here as well.
"""

from palimpsest.extractors.extracted import Extracted
from palimpsest.extractors.policy import extract_policy
from palimpsest.text.normal import count_words, normalise, text_sha256

__all__ = ["Extracted", "count_words", "extract_policy", "normalise", "text_sha256"]

"""nosetwitch: a private diary, triage check and pattern finder for nose twitching.

nosetwitch never diagnoses. It says what pattern it saw in a person's own
records and what to do about it (`domain.vocabulary.NOT_A_DIAGNOSIS` words
the reminder every surface carries).
"""

__version__ = "0.1.0"

"""nosetwitch: a private diary, triage check and pattern finder for nose twitching.

nosetwitch never diagnoses. It says what pattern it saw in a person's own
records and what to do about it, and it is no substitute for a clinician.
"""

__version__ = "0.1.0"

"""Stage 6, *teach*: the workshop storyline (predict, run, verdict) and its session log."""

"""Self-play runs and ratings (built on engine and agents)."""

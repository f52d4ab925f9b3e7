"""What happened: the replay file format (built on engine)."""

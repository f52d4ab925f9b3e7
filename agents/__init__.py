"""Who acts: the scripted bot and the random-legal agent (policies and the
PPO learner join them)."""

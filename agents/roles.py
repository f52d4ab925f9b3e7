"""The lane each hero slot of a team is sent to at the start: the scripted
bot walks it, and the policy is told it (as OpenAI Five assigned lanes), so a
network can tell at the fountain which lane is its own."""

import numpy as np

from engine.constants import LANE_BOT, LANE_MID, LANE_TOP

# Two heroes top, one mid, two bottom; a lane names the same strip of ground
# for both teams (`engine.mapgen`). The scripted bot's kernels take this table
# in when they compile, and numba's cache does not see an edit here alone.
HERO_LANES = np.array([LANE_TOP, LANE_MID, LANE_BOT, LANE_BOT, LANE_TOP], np.int32)

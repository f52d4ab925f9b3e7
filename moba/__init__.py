"""The face of the project: the `moba` command, presets and the client."""

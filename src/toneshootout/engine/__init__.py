"""The render engine: pure audio, usable as a library with no server, database or network."""

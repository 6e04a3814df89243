"""'Try the demo': the engine's generated material in the caller's library, and a shootout."""

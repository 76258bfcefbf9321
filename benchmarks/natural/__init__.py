"""Natural-request development suite for Writer (measuring only, never training data)."""

"""Hypothesis fuzz tests (marker `fuzz`): a short run in `make test`, 10,000 examples each in `make fuzz`."""

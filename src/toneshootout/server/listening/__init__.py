"""Listening tests on a shared render: listeners, blind preference votes, ABX runs, results."""

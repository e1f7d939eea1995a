"""Tests of `pyflow graph`."""

"""The pyflow side of the cost benchmark: one ``@workflow`` per benchmarked pattern.

Seven patterns reuse the project's examples (``examples/*.py``); the others are
written here. ``benchmarks.cost_bench.WORKFLOWS`` names each one with its fixed input.
"""

"""pyflow's benchmarks: ``python -m benchmarks`` runs them all and prints one table.

Sections: ``compile_bench`` (compiler speed and scaling, against sfnx whole-process),
``runner_bench`` (local runner against moto), ``synth_bench`` (``pyflow synth``
against a hand-written CDK app). Every figure is a ratio taken in one run on one
machine (DEVELOPERS: never a timed unit test).
"""

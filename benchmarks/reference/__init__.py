"""Hand-written CDK definitions of the benchmarked workflows (``benchmarks/cost_bench.py``).

Each module's ``build(scope)`` adds the states of one workflow, written the way the
seed (aws-cdk-aws-stepfunctions' README) shows, with the CDK v2 API, and returns
``{machine name: (definition chainable, StateMachine kwargs)}``. ``app.synth()``
builds all of them in ONE app and ONE stack (aws-cdk-lib's start-up is paid once)
and extracts the definitions from the template.

The expert's choices, applied everywhere: ``LambdaInvoke(payload_response_only=True)``
with an explicit ``payload`` (the function's parameters), ``result_path`` /
``result_selector`` to keep the state document small, and JSONPath Variables
(``assign``) where the JSONPath-only spelling would need an extra Pass state per
loop iteration. Each reference computes the same output as the pyflow version on
the benchmark's fixed input (checked by the benchmark).
"""

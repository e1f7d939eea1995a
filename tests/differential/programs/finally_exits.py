"""``return``, ``break`` and ``continue`` leaving a try with ``finally``: Python runs the
finally body first (innermost first), and an error it raises meets only the handlers around
its own try statement, not that statement's ``except`` clauses."""
from pyflow import task, workflow


class Boom(Exception):
    pass


@task
def step(x: int) -> int:
    if x == 3:
        raise Boom("three")
    return x * 10


@task
def note(log: list, s: str) -> list:
    return log + [s]


@workflow
def break_runs_finally(xs: list) -> list:
    log = []
    for x in xs:
        try:
            if x == 2:
                break
            log = note(log, "body" + str(x))
        finally:
            log = note(log, "fin" + str(x))
    return log


@workflow
def continue_runs_finally(xs: list) -> list:
    log = []
    for x in xs:
        try:
            if x == 2:
                continue
            log = log + [step(x)]
        except Boom:
            log = log + ["boom"]
        finally:
            log = log + ["f"]
    return log


@workflow
def break_in_while_runs_both_finally_blocks(n: int) -> list:
    log = []
    i = 0
    while True:
        i = i + 1
        try:
            try:
                if i >= n:
                    break
                log = log + [i]
            finally:
                log = log + ["inner"]
        finally:
            log = log + ["outer"]
    return log


@workflow
def finally_error_on_return_skips_own_handler(x: int) -> str:
    y = 3
    try:
        try:
            return "returned " + str(step(x))
        except Boom:
            y = 0
            return "own handler"
        finally:
            step(y)
    except Boom as err:
        return "outer handler " + err.error

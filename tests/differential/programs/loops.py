"""``for`` loops that become an inline Map run one item at a time (pyflow.frontend.loops),
and look-alikes that must stay Choice loops because a Map would change what they do."""
import pyflow as pf
from pyflow import fragment, task, workflow


class Rejected(Exception):
    pass


_log: list = []


@task
def price(n: int) -> dict:
    if n < 0:
        raise Rejected(f"negative {n}")
    return {"n": n, "total": n * 250}


@task
def record(item: int) -> int:
    """A side effect whose order the test checks (calls are logged in Python's order)."""
    _log.append(item)
    return len(_log)


@task
def calls() -> list:
    return list(_log)


@task
def reject() -> int:
    raise Rejected("always")


# ------------------------------------------------------------------ become a Map
@workflow
def accumulate(xs: list) -> list:
    totals = []
    for x in xs:
        totals = totals + [price(x)]
    return totals


@workflow
def accumulate_locals(orders: list) -> dict:
    out: list = []
    for order in orders:
        qty = order["qty"]
        priced = price(qty)
        label = order["id"]
        out = out + [{"label": label, "total": priced["total"]}]
    return {"out": out, "count": len(out)}


@workflow
def accumulate_augmented(xs: list) -> list:
    seen = []
    for x in xs:
        record(x)
        seen += [{"x": x}]
    return [seen, calls()]


@workflow
def accumulate_onto_list(xs: list) -> list:
    acc = ["start"]
    for x in xs:
        acc = acc + [price(x)["total"]]
    return acc


@workflow
def side_effects(xs: list) -> list:
    for x in xs:
        if x > 2:
            record(x)
        else:
            record(0)
    return calls()


@workflow
def reused_loop_name(xs: list, ys: list) -> dict:
    a = []
    for x in xs:
        a = a + [price(x)["total"]]
    b = []
    for x in ys:
        b = b + [{"y": x}]
    return {"a": a, "b": b}


@workflow
def nested_accumulators(groups: list) -> list:
    out = []
    for group in groups:
        inner = []
        for x in group:
            inner = inner + [price(x)["total"]]
        out = out + [inner]
    return out


@workflow
def raises_midway(xs: list) -> list:
    """A task fails on a negative item: uncaught, the run fails with the task's error."""
    totals = []
    for x in xs:
        record(x)
        totals = totals + [price(x)]
    return totals


@workflow
def local_written_after_append(xs: list) -> list:
    out = []
    for x in xs:
        pair = [x, x]
        out = out + [pair]
        note = record(x)
    return out


@workflow
def inside_while(xs: list) -> list:
    """The loop's locals are not read by the enclosing loop's next pass: still a Map."""
    i = 0
    res = []
    while i < 2:
        out = []
        for x in xs:
            y = price(x)["total"]
            out = out + [y + i]
        res = res + [out]
        i = i + 1
    return res


@workflow
def over_range(n: int) -> list:
    out = []
    for i in range(n):
        out = out + [price(i)["n"]]
    return out


@workflow
def with_else(xs: list) -> list:
    out = []
    for x in xs:
        out = out + [price(x)["total"]]
    else:
        out = out + ["done"]
    return out


@workflow
def in_handler(xs: list) -> list:
    """An except clause of a try without finally: nothing catches what the loop raises."""
    try:
        reject()
    except Rejected:
        out = []
        for x in xs:
            out = out + [price(x)["total"]]
        return out
    return []


@workflow
def nested_while_effects(xs: list) -> list:
    for x in xs:
        n = 0
        while n < x:
            n = record(n) + x
    return calls()


@workflow
def in_map_body(groups: list) -> list:
    for group in pf.map(groups, max_concurrency=1):
        inner = []
        for x in group:
            inner = inner + [price(x)["total"]]
        record(len(inner))
    return calls()


@fragment
def collect(xs: list):
    out = []
    for x in xs:
        out = out + [price(x)["total"]]
    return out


@workflow
def fragment_sites(xs: list) -> dict:
    """The fragment's loop is a Map where it is called outside a try, a Choice loop inside."""
    a = collect(xs)
    try:
        b = collect(xs)
    except Rejected:
        b = "caught"
    return {"a": a, "b": b}


@workflow
def in_parallel_branch(xs: list) -> dict:
    """The loop variable stays in its branch (nothing after the block reads it): a Map."""
    with pf.parallel():
        with pf.branch():
            out = []
            for x in xs:
                out = out + [price(x)["total"]]
        with pf.branch():
            other = price(1)
    return {"out": out, "other": other}



# ------------------------------------------------------------------ stay Choice loops
@workflow
def loop_variable_after(xs: list) -> dict:
    out = []
    x = "none"
    for x in xs:
        out = out + [price(x)["total"]]
    return {"out": out, "last": x}


@workflow
def body_local_after(xs: list) -> dict:
    out = []
    last = None
    for x in xs:
        last = price(x)
        out = out + [last["total"]]
    return {"out": out, "last": last}


@workflow
def carried(xs: list) -> dict:
    out = []
    total = 0
    for x in xs:
        total = total + x
        out = out + [total]
    return {"out": out, "total": total}


@workflow
def reads_accumulator(xs: list) -> list:
    out = []
    for x in xs:
        out = out + [len(out) + x]
    return out


@workflow
def accumulator_aliased(xs: list) -> dict:
    out = []
    alias = []
    for x in xs:
        out = out + [x]
        alias = out
    return {"out": out, "alias": alias}


@workflow
def accumulator_reset(xs: list) -> list:
    out = []
    for x in xs:
        if x == 0:
            out = []
        out = out + [x]
    return out


@workflow
def with_break(xs: list) -> list:
    out = []
    for x in xs:
        if x > 5:
            break
        out = out + [x]
    return out


@workflow
def with_continue(xs: list) -> list:
    out = []
    for x in xs:
        if x > 5:
            continue
        out = out + [x]
    return out


@workflow
def with_raise(xs: list) -> list:
    out = []
    for x in xs:
        if x > 5:
            raise Rejected(f"{x} is too big")
        out = out + [x]
    return out


@workflow
def with_return(xs: list) -> list:
    out = []
    for x in xs:
        if x > 5:
            return ["early", x]
        out = out + [x]
    return out


@workflow
def inner_loop_writes_outer(groups: list) -> dict:
    out = []
    total = 0
    for group in groups:
        for x in group:
            total = total + x
        out = out + [total]
    return {"out": out, "total": total}


@workflow
def caught_outside(xs: list) -> dict:
    """A task fails midway inside a try: the handler sees the list built so far."""
    totals = []
    try:
        for x in xs:
            totals = totals + [price(x)["total"]]
    except Rejected:
        return {"partial": totals}
    return {"all": totals}


@workflow
def finally_outside(xs: list) -> list:
    totals = []
    try:
        for x in xs:
            totals = totals + [price(x)["total"]]
    finally:
        record(len(totals))
    return [totals, calls()]


@workflow
def start_not_in_block(xs: list, flag: bool = True) -> list:
    out = []
    if flag:
        for x in xs:
            out = out + [x]
    return out


@workflow
def skipped_start(xs: list, stop: bool) -> list:
    """`out = []` must not be absorbed: `break` can skip the loop and `out` is read later."""
    out = ["before"]
    while True:
        out = []
        if stop:
            break
        for x in xs:
            out = out + [x]
        break
    return out


@workflow
def non_list_items(xs) -> list:
    out = []
    for x in xs:
        out = out + [x]
    return out


@workflow
def carried_by_enclosing_loop(xs: list) -> list:
    """`y` from the last item of one pass is read by the next pass of the while."""
    i = 0
    res = []
    y = 0
    while i < 2:
        res = res + [y]
        out = []
        for x in xs:
            y = price(x)["total"]
            out = out + [y]
        i = i + 1
    return res


@workflow
def subscript_write(xs: list) -> dict:
    d = {}
    for x in xs:
        d[str(x)] = price(x)["total"]
    return d


@workflow
def tuple_target(pairs: list) -> list:
    out = []
    for a, b in pairs:
        out = out + [price(a)["total"]]
    return out


@workflow
def handler_with_finally(xs: list) -> list:
    out = ["init"]
    try:
        reject()
    except Rejected:
        out = []
        for x in xs:
            out = out + [price(x)["total"]]
    finally:
        record(len(out))
    return [out, calls()]


@workflow
def assigned_on_one_path(xs: list) -> list:
    """`flag` keeps its value from an earlier item when the `if` is not taken."""
    out = []
    flag = False
    for x in xs:
        if x > 1:
            flag = True
        out = out + [flag]
    return out

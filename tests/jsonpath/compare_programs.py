"""Comparisons whose operand types are unknown at compile time, for the JSONPath target:
Choice rules guarded by IsString/IsNumeric/IsBoolean/IsNull that keep Python's answer
(``True < 2``, ``True == 1``, ``"1" != 1``), and a Fail with TypeError where Python raises
it (``"a" < 1``, ``None < 1``, ``{} < 1``). Parameters without annotations are of unknown
type; so is what ``echo`` returns."""
from pyflow import task, workflow


@task
def echo(value: object) -> object:
    return value


# ------------------------------------------------------------------ ordering
@workflow
def order_vs_int(a, n: int) -> str:
    out = "start"
    if a < n:
        out = out + "|lt"
    if a <= n:
        out = out + "|le"
    if a > n:
        out = out + "|gt"
    if a >= n:
        out = out + "|ge"
    return out


@workflow
def int_vs_order(a, n: int) -> str:
    """The unknown value on the right (the rule's second path)."""
    out = "start"
    if n < a:
        out = out + "|lt"
    if n >= a:
        out = out + "|ge"
    return out


@workflow
def order_vs_float(a, x: float) -> str:
    out = "start"
    if a < x:
        out = out + "|lt"
    if a >= x:
        out = out + "|ge"
    return out


@workflow
def order_vs_bool(a, b: bool) -> str:
    out = "start"
    if a < b:
        out = out + "|lt"
    if a <= b:
        out = out + "|le"
    if b < a:
        out = out + "|gt"
    return out


@workflow
def order_vs_str(a, s: str) -> str:
    out = "start"
    if a < s:
        out = out + "|lt"
    if a <= s:
        out = out + "|le"
    if s < a:
        out = out + "|gt"
    if s <= a:
        out = out + "|ge"
    return out


@workflow
def order_vs_constants(a) -> str:
    out = "start"
    if a < 2:
        out = out + "|lt2"
    if 1.5 <= a:
        out = out + "|ge1.5"
    if a > True:
        out = out + "|gtTrue"
    if a >= False:
        out = out + "|geFalse"
    return out


@workflow
def order_vs_text(a) -> str:
    out = "start"
    if a < "m":
        out = out + "|lt"
    if "b" <= a:
        out = out + "|ge"
    return out


@workflow
def order_vs_none(a) -> str:
    if a < None:
        return "lt"
    return "not lt"


@workflow
def typed_mismatch(d: dict, xs: list, s: str, n: int, b: bool) -> str:
    """Types known, and mixed: Python's answers, its TypeError for the orderings."""
    out = "start"
    if b < n:
        out = out + "|b<n"
    if n <= b:
        out = out + "|n<=b"
    if b == n:
        out = out + "|b==n"
    if n != b:
        out = out + "|n!=b"
    if xs == n:
        out = out + "|xs==n"
    if s == d:
        out = out + "|s==d"
    if s == n:
        out = out + "|s==n"
    if d != b:
        out = out + "|d!=b"
    if xs < s:
        out = out + "|xs<s"
    return out


@workflow
def dict_order(d: dict, n: int) -> str:
    if d < n:
        return "lt"
    return "not lt"


@workflow
def task_result_order(a, n: int) -> str:
    r = echo(a)
    if r > n:
        return "gt"
    return "le"


# ------------------------------------------------------------------ equality
@workflow
def equals_vs_typed(a, n: int, x: float, s: str, b: bool) -> str:
    out = "start"
    if a == n:
        out = out + "|n"
    if a != x:
        out = out + "|!x"
    if s == a:
        out = out + "|s"
    if a == b:
        out = out + "|b"
    if b != a:
        out = out + "|!b"
    return out


@workflow
def equals_vs_constants(a) -> str:
    out = "start"
    if a == 1:
        out = out + "|1"
    if a == True:  # noqa: E712 - Python's == on purpose
        out = out + "|True"
    if a == 0.0:
        out = out + "|0.0"
    if a == "1":
        out = out + "|str1"
    if a == None:  # noqa: E711
        out = out + "|None"
    if a != 2:
        out = out + "|!2"
    return out


# ------------------------------------------------------------------ and / or / not, elif, while, try
@workflow
def guarded_logic(a, n: int) -> str:
    out = "start"
    if a is not None and a < n:
        out = out + "|and"
    if isinstance(a, str) or a > n:
        out = out + "|or"
    if not a >= n:
        out = out + "|not"
    return out


@workflow
def elif_chain(a, n: int) -> str:
    """The second test is evaluated (and may raise) only when the first is false."""
    if a == "stop":
        return "stopped"
    elif a < n:
        return "below"
    elif a == n:
        return "equal"
    return "above"


@workflow
def count_up(limit) -> int:
    i = 0
    while i < limit:
        i = i + 1
    return i


@workflow
def caught_type_error(a, n: int) -> str:
    try:
        if a < n:
            out = "lt"
        else:
            out = "ge"
    except TypeError:
        out = "type error"
    return out


@task
def bump(n: int) -> int:
    return n + 1


@workflow
def while_in_map(xs: list) -> None:
    """A Map (one item at a time) whose body's while compares the item, of unknown type."""
    for x in xs:
        n = 0
        while n < x:
            n = bump(n) + 1


# ------------------------------------------------------------------ still PF130
@workflow
def maybe_lists_order(a, xs: list) -> str:
    if a < xs:
        return "lt"
    return "ge"


@workflow
def maybe_lists_equal(a, d: dict) -> str:
    if a == d:
        return "same"
    return "different"


@workflow
def untyped_both(a, b) -> str:
    if a == b:
        return "same"
    return "different"


@workflow
def empty_collections(a, xs: list, d: dict, n: int) -> str:
    """`== []` and `== {}` test the value's JSON text: `[]` is only the empty list."""
    out = "start"
    if a == []:
        out = out + "|a-empty-list"
    if a != {}:
        out = out + "|a-not-empty-dict"
    if xs == []:
        out = out + "|xs-empty"
    if d == {}:
        out = out + "|d-empty"
    if n == []:
        out = out + "|n-empty-list"
    return out


@workflow
def equals_nonempty_list(a) -> str:
    if a == ["x"]:
        return "same"
    return "different"

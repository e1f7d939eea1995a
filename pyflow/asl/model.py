"""One typed model of a state machine: a dataclass per state type, Retry, Catch and Machine.

Why a model: the backends, the IAM policy, the graph, the CDK construct and the local
runner each read ASL dicts and each walked nested Parallel branches and Map item
processors on their own. The model gives them one vocabulary and one walker (``walk``).

Output is byte-for-byte deterministic, so the order of the fields is part of the model:
``FIELD_ORDER`` says, per state type and query language, in which order ``to_dict`` writes
them. The table is the order the two backends emit today (``jsonpath_states.order_tail``
moves Retry, Catch, Next, End last; the JSONata lowering writes Next/End before Catch and
Retry, and ``prune_assigns`` puts Assign before the transition). A definition not written
by pyflow (``pf.custom_state``, a hand-written ``.asl.json``) may order its fields
otherwise or carry fields the model does not know: ``from_dict`` keeps both (``extra``,
``order``), so ``to_dict(from_dict(d))`` gives ``d`` back, byte for byte.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, NamedTuple, Union

__all__ = [
    "ABSENT", "Absent", "FIELD_ORDER", "MACHINE_ORDER", "RETRY_ORDER", "CATCH_ORDER",
    "State", "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "RawState",
    "Retry", "Catch", "Machine", "Visit", "from_dict", "to_dict", "state_from_dict", "walk",
]

JSONPATH = "JSONPath"
JSONATA = "JSONata"


class Absent:
    """The value of a field the definition does not have. ``None`` cannot say it:
    ``"ResultPath": null`` is a field ASL gives a meaning (discard the result)."""

    _instance: ClassVar[Absent | None] = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT = Absent()

_PATH_IO = ("InputPath", "Parameters", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
            "HeartbeatSecondsPath", "Credentials", "ResultPath", "ResultSelector", "OutputPath")

#: The serialisation order of the fields of each state type, per query language. Derived
#: from what the backends emit (checked over every golden file and the snapshot corpus by
#: tests/asl/test_model.py); fields they never emit sit where ASL's reference lists them.
FIELD_ORDER: dict[tuple[str, str], tuple[str, ...]] = {
    ("Task", JSONPATH): ("Type", "QueryLanguage", "Comment", "Resource", *_PATH_IO,
                         "Retry", "Catch", "End", "Next"),
    ("Task", JSONATA): ("Type", "QueryLanguage", "Comment", "Resource", "Arguments", "TimeoutSeconds",
                        "HeartbeatSeconds", "Credentials", "Assign", "Next", "Output", "End", "Catch", "Retry"),
    ("Pass", JSONPATH): ("Type", "QueryLanguage", "Comment", "InputPath", "Parameters", "OutputPath", "Result",
                         "End", "ResultPath", "Next"),
    ("Pass", JSONATA): ("Type", "QueryLanguage", "Comment", "Assign", "Next", "Output", "End"),
    ("Choice", JSONPATH): ("Type", "QueryLanguage", "Comment", "InputPath", "OutputPath", "Choices", "Default"),
    ("Choice", JSONATA): ("Type", "QueryLanguage", "Comment", "Choices", "Default", "Assign", "Output"),
    ("Wait", JSONPATH): ("Type", "QueryLanguage", "Comment", "InputPath", "OutputPath", "Seconds", "SecondsPath",
                         "Timestamp", "TimestampPath", "Next", "End"),
    ("Wait", JSONATA): ("Type", "QueryLanguage", "Comment", "Seconds", "Assign", "Timestamp", "Output", "Next",
                        "End"),
    ("Succeed", JSONPATH): ("Type", "QueryLanguage", "Comment", "InputPath", "OutputPath"),
    ("Succeed", JSONATA): ("Type", "QueryLanguage", "Comment", "Output"),
    ("Fail", JSONPATH): ("Type", "QueryLanguage", "Comment", "Error", "Cause", "ErrorPath", "CausePath"),
    ("Fail", JSONATA): ("Type", "QueryLanguage", "Comment", "Error", "Cause"),
    ("Parallel", JSONPATH): ("Type", "QueryLanguage", "Comment", "InputPath", "Parameters", "Branches",
                             "ResultSelector", "OutputPath", "ResultPath", "Retry", "Catch", "End", "Next"),
    ("Parallel", JSONATA): ("Type", "QueryLanguage", "Comment", "Arguments", "Branches", "Assign", "Output", "End",
                            "Retry", "Next", "Catch"),
    ("Map", JSONPATH): ("Type", "QueryLanguage", "Comment", "InputPath", "ItemReader", "ItemsPath", "ItemSelector",
                        "Parameters", "ItemBatcher", "ItemProcessor", "Iterator", "MaxConcurrency",
                        "MaxConcurrencyPath", "ResultWriter", "ToleratedFailurePercentage",
                        "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath",
                        "Label", "ResultPath", "ResultSelector", "OutputPath", "Retry", "Catch", "End", "Next"),
    ("Map", JSONATA): ("Type", "QueryLanguage", "Comment", "ItemReader", "ItemBatcher", "Items", "ItemSelector",
                       "ItemProcessor", "Iterator", "MaxConcurrency", "ResultWriter", "ToleratedFailurePercentage",
                       "ToleratedFailureCount", "Label", "Assign", "Output", "End", "Retry", "Next", "Catch"),
}

#: A machine's fields: the top-level document and a branch or item processor.
MACHINE_ORDER: tuple[str, ...] = ("Comment", "QueryLanguage", "ProcessorConfig", "StartAt", "States",
                                  "TimeoutSeconds", "Version")
RETRY_ORDER: tuple[str, ...] = ("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
                                "MaxDelaySeconds", "JitterStrategy", "Comment")
CATCH_ORDER: tuple[str, ...] = ("ErrorEquals", "ResultPath", "Next", "Assign", "Output", "Comment")


def _asl(name: str) -> Any:
    """A dataclass field that is the ASL field ``name``, absent by default."""
    return field(default=ABSENT, metadata={"asl": name})


@dataclass
class _Fielded:
    """Shared by states, retriers, catchers and machines: the ASL fields the class names
    (``metadata["asl"]``), the fields it does not (``extra``, kept in their order), and
    the source's own field order when it is not the canonical one (``order``)."""

    extra: dict[str, Any] = field(default_factory=dict, kw_only=True, repr=False)
    order: tuple[str, ...] | None = field(default=None, kw_only=True, repr=False)

    @classmethod
    def asl_fields(cls) -> dict[str, str]:
        """ASL field name -> attribute name."""
        cached = cls.__dict__.get("_asl_map")
        if cached is None:
            cached = {f.metadata["asl"]: f.name for f in fields(cls) if "asl" in f.metadata}
            setattr(cls, "_asl_map", cached)
        return cached

    def _present(self) -> dict[str, Any]:
        """The ASL fields this object has, model-typed values still unconverted."""
        out = {key: getattr(self, attr) for key, attr in self.asl_fields().items()
               if getattr(self, attr) is not ABSENT}
        out.update(self.extra)
        return out


def _ordered(present: dict[str, Any], canonical: tuple[str, ...], order: tuple[str, ...] | None) -> list[str]:
    """The keys of ``present`` in the source's order if it had one, else the table's,
    then any field the table does not list in the order it was added."""
    first = order if order is not None else canonical
    keys = [k for k in first if k in present]
    seen = set(keys)
    keys += [k for k in present if k not in seen]
    return keys


def _fill(obj: _Fielded, raw: Mapping[str, Any], canonical: tuple[str, ...],
          convert: dict[str, Any] | None = None) -> None:
    """Set ``obj``'s fields from ``raw``; remember the field order when it is not canonical."""
    names = obj.asl_fields()
    for key, value in raw.items():
        value = convert[key] if convert and key in convert else value
        if key in names:
            setattr(obj, names[key], value)
        else:
            obj.extra[key] = value
    if list(raw) != _ordered(dict.fromkeys(raw), canonical, None):
        obj.order = tuple(raw)


@dataclass
class Retry(_Fielded):
    error_equals: Any = _asl("ErrorEquals")
    interval_seconds: Any = _asl("IntervalSeconds")
    max_attempts: Any = _asl("MaxAttempts")
    backoff_rate: Any = _asl("BackoffRate")
    max_delay_seconds: Any = _asl("MaxDelaySeconds")
    jitter_strategy: Any = _asl("JitterStrategy")
    comment: Any = _asl("Comment")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Retry:
        out = cls()
        _fill(out, raw, RETRY_ORDER)
        return out

    def to_dict(self) -> dict[str, Any]:
        present = self._present()
        return {k: present[k] for k in _ordered(present, RETRY_ORDER, self.order)}


@dataclass
class Catch(_Fielded):
    error_equals: Any = _asl("ErrorEquals")
    result_path: Any = _asl("ResultPath")
    next: Any = _asl("Next")
    assign: Any = _asl("Assign")
    output: Any = _asl("Output")
    comment: Any = _asl("Comment")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Catch:
        out = cls()
        _fill(out, raw, CATCH_ORDER)
        return out

    def to_dict(self) -> dict[str, Any]:
        present = self._present()
        return {k: present[k] for k in _ordered(present, CATCH_ORDER, self.order)}


@dataclass
class State(_Fielded):
    """Fields every state type has. ``TYPE`` is the ASL ``Type``."""

    TYPE: ClassVar[str] = ""
    query_language: Any = _asl("QueryLanguage")
    comment: Any = _asl("Comment")

    def language(self, inherited: str) -> str:
        """The query language this state's fields are written in."""
        return self.query_language if isinstance(self.query_language, str) else inherited

    def to_dict(self, language: str = JSONPATH) -> dict[str, Any]:
        """The ASL object of this state; ``language`` is the query language it inherits."""
        lang = self.language(language)
        present = {"Type": self.TYPE, **self._present()}
        out: dict[str, Any] = {}
        for key in _ordered(present, FIELD_ORDER.get((self.TYPE, lang), ("Type",)), self.order):
            out[key] = _dump(key, present[key], lang)
        return out


@dataclass
class _Flow(State):
    next: Any = _asl("Next")
    end: Any = _asl("End")


@dataclass
class _Errors(_Flow):
    retry: Any = _asl("Retry")
    catch: Any = _asl("Catch")


@dataclass
class _PathIO:
    input_path: Any = _asl("InputPath")
    output_path: Any = _asl("OutputPath")
    output: Any = _asl("Output")
    assign: Any = _asl("Assign")


@dataclass
class Task(_Errors, _PathIO):
    TYPE: ClassVar[str] = "Task"
    resource: Any = _asl("Resource")
    arguments: Any = _asl("Arguments")
    parameters: Any = _asl("Parameters")
    result_path: Any = _asl("ResultPath")
    result_selector: Any = _asl("ResultSelector")
    timeout_seconds: Any = _asl("TimeoutSeconds")
    timeout_seconds_path: Any = _asl("TimeoutSecondsPath")
    heartbeat_seconds: Any = _asl("HeartbeatSeconds")
    heartbeat_seconds_path: Any = _asl("HeartbeatSecondsPath")
    credentials: Any = _asl("Credentials")


@dataclass
class Pass(_Flow, _PathIO):
    TYPE: ClassVar[str] = "Pass"
    result: Any = _asl("Result")
    parameters: Any = _asl("Parameters")
    result_path: Any = _asl("ResultPath")


@dataclass
class Choice(State, _PathIO):
    """``choices`` stays JSON: typed choice rules are a later step."""

    TYPE: ClassVar[str] = "Choice"
    choices: Any = _asl("Choices")
    default: Any = _asl("Default")


@dataclass
class Wait(_Flow, _PathIO):
    TYPE: ClassVar[str] = "Wait"
    seconds: Any = _asl("Seconds")
    seconds_path: Any = _asl("SecondsPath")
    timestamp: Any = _asl("Timestamp")
    timestamp_path: Any = _asl("TimestampPath")


@dataclass
class Succeed(State, _PathIO):
    TYPE: ClassVar[str] = "Succeed"


@dataclass
class Fail(State):
    TYPE: ClassVar[str] = "Fail"
    error: Any = _asl("Error")
    cause: Any = _asl("Cause")
    error_path: Any = _asl("ErrorPath")
    cause_path: Any = _asl("CausePath")


@dataclass
class Parallel(_Errors, _PathIO):
    TYPE: ClassVar[str] = "Parallel"
    branches: Any = _asl("Branches")
    arguments: Any = _asl("Arguments")
    parameters: Any = _asl("Parameters")
    result_path: Any = _asl("ResultPath")
    result_selector: Any = _asl("ResultSelector")


@dataclass
class Map(_Errors, _PathIO):
    TYPE: ClassVar[str] = "Map"
    item_processor: Any = _asl("ItemProcessor")
    iterator: Any = _asl("Iterator")
    items: Any = _asl("Items")
    items_path: Any = _asl("ItemsPath")
    item_selector: Any = _asl("ItemSelector")
    parameters: Any = _asl("Parameters")
    item_reader: Any = _asl("ItemReader")
    item_batcher: Any = _asl("ItemBatcher")
    result_writer: Any = _asl("ResultWriter")
    max_concurrency: Any = _asl("MaxConcurrency")
    max_concurrency_path: Any = _asl("MaxConcurrencyPath")
    tolerated_failure_percentage: Any = _asl("ToleratedFailurePercentage")
    tolerated_failure_percentage_path: Any = _asl("ToleratedFailurePercentagePath")
    tolerated_failure_count: Any = _asl("ToleratedFailureCount")
    tolerated_failure_count_path: Any = _asl("ToleratedFailureCountPath")
    label: Any = _asl("Label")
    result_path: Any = _asl("ResultPath")
    result_selector: Any = _asl("ResultSelector")

    @property
    def processor(self) -> Machine | None:
        """The item processor (``ItemProcessor``, or the older ``Iterator``)."""
        for body in (self.item_processor, self.iterator):
            if isinstance(body, Machine):
                return body
        return None


@dataclass
class RawState(State):
    """A state whose ``Type`` is none of ASL's (or missing): every field kept as it is."""

    TYPE: ClassVar[str] = ""

    def to_dict(self, language: str = JSONPATH) -> dict[str, Any]:
        present = self._present()
        return {k: present[k] for k in _ordered(present, (), self.order)}


STATE_TYPES: dict[str, type[State]] = {cls.TYPE: cls for cls in (Task, Pass, Choice, Wait, Succeed, Fail,
                                                                 Parallel, Map)}


@dataclass
class Machine(_Fielded):
    """The top-level definition, a Parallel branch or a Map item processor."""

    states: dict[str, State] = _asl("States")
    start_at: Any = _asl("StartAt")
    comment: Any = _asl("Comment")
    query_language: Any = _asl("QueryLanguage")
    processor_config: Any = _asl("ProcessorConfig")
    timeout_seconds: Any = _asl("TimeoutSeconds")
    version: Any = _asl("Version")

    def language(self, inherited: str) -> str:
        return self.query_language if isinstance(self.query_language, str) else inherited

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], language: str = JSONPATH) -> Machine:
        lang = raw.get("QueryLanguage", language) if isinstance(raw.get("QueryLanguage"), str) else language
        convert: dict[str, Any] = {}
        states = raw.get("States")
        if isinstance(states, Mapping) and all(isinstance(s, Mapping) for s in states.values()):
            convert["States"] = {name: state_from_dict(s, lang) for name, s in states.items()}
        out = cls()
        _fill(out, raw, MACHINE_ORDER, convert)
        return out

    def to_dict(self, language: str = JSONPATH) -> dict[str, Any]:
        lang = self.language(language)
        present = self._present()
        out: dict[str, Any] = {}
        for key in _ordered(present, MACHINE_ORDER, self.order):
            value = present[key]
            if key == "States" and isinstance(value, dict):
                value = {n: s.to_dict(lang) if isinstance(s, State) else s for n, s in value.items()}
            out[key] = value
        return out


def _dicts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, Mapping) for v in value)


def state_from_dict(raw: Mapping[str, Any], language: str = JSONPATH) -> State:
    """One state; ``language`` is the query language it inherits. Nested machines,
    retriers and catchers become model objects when they have their ASL shape; a field
    of another shape (only hand-written ASL has them) is kept as it is."""
    cls = STATE_TYPES.get(raw.get("Type")) if isinstance(raw.get("Type"), str) else None
    if cls is None:
        out: State = RawState()
        _fill(out, raw, ())
        out.order = tuple(raw)  # no table to order them by: the source's order is the order
        return out
    lang = raw["QueryLanguage"] if isinstance(raw.get("QueryLanguage"), str) else language
    convert: dict[str, Any] = {"Type": ABSENT}
    if _dicts(raw.get("Retry")):
        convert["Retry"] = [Retry.from_dict(r) for r in raw["Retry"]]
    if _dicts(raw.get("Catch")):
        convert["Catch"] = [Catch.from_dict(c) for c in raw["Catch"]]
    if cls is Parallel and _dicts(raw.get("Branches")):
        convert["Branches"] = [Machine.from_dict(b, lang) for b in raw["Branches"]]
    if cls is Map:
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(raw.get(key), Mapping):
                convert[key] = Machine.from_dict(raw[key], lang)
    out = cls()
    _fill(out, raw, FIELD_ORDER[(cls.TYPE, lang)], convert)
    out.extra.pop("Type", None)
    return out


def _dump(key: str, value: Any, language: str) -> Any:
    """A field's value as JSON: model objects inside it serialised."""
    if isinstance(value, Machine):
        return value.to_dict(language)
    if isinstance(value, (Retry, Catch)):
        return value.to_dict()
    if isinstance(value, list) and any(isinstance(v, (Machine, Retry, Catch)) for v in value):
        return [_dump(key, v, language) for v in value]
    return value


def from_dict(raw: Mapping[str, Any], language: str = JSONPATH) -> Machine:
    """The model of a definition (or of a branch / item processor inheriting ``language``)."""
    return Machine.from_dict(raw, language)


def to_dict(obj: Machine | State, language: str = JSONPATH) -> dict[str, Any]:
    """The ASL JSON object of a machine or a state, fields in ``FIELD_ORDER``."""
    return obj.to_dict(language)


class Visit(NamedTuple):
    """One state met by ``walk``: ``path`` names it from the top (state names, and
    ``"Branches"``, an index, ``"ItemProcessor"``/``"Iterator"`` on the way down);
    ``language`` is the query language its fields are written in; ``parent`` is the
    Parallel or Map state it is nested in (None at the top)."""

    path: tuple[str | int, ...]
    name: str
    state: Any
    language: str
    parent: Any


StatesLike = Union[Machine, Mapping[str, Any]]


def _field(state: Any, key: str) -> Any:
    if isinstance(state, State):
        attr = state.asl_fields().get(key)
        return getattr(state, attr) if attr is not None else state.extra.get(key, ABSENT)
    return state.get(key, ABSENT)


def _children(state: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """The machines nested in a state: a Parallel's branches, a Map's item processor."""
    branches = _field(state, "Branches")
    if isinstance(branches, list):
        for i, branch in enumerate(branches):
            if isinstance(branch, (Machine, Mapping)):
                yield ("Branches", i), branch
    for key in ("ItemProcessor", "Iterator"):
        body = _field(state, key)
        if isinstance(body, (Machine, Mapping)):
            yield (key,), body


def _states_of(machine: Any) -> tuple[Mapping[str, Any] | None, str | None]:
    if isinstance(machine, Machine):
        states, lang = machine.states, machine.query_language
    else:
        states, lang = machine.get("States"), machine.get("QueryLanguage")
    return (states if isinstance(states, Mapping) else None), (lang if isinstance(lang, str) else None)


def _is_machine(value: Mapping[str, Any]) -> bool:
    """A definition dict rather than a bare ``States`` mapping (where a state named
    ``States`` would be an object with a ``Type``)."""
    if "States" not in value:
        return False
    states = value["States"]
    return not (isinstance(states, Mapping) and "Type" in states)


def walk(machine_or_states: StatesLike, language: str = JSONPATH,
         _path: tuple[str | int, ...] = (), _parent: Any = None) -> Iterator[Visit]:
    """Every state of a machine, depth first in definition order, each state before the
    states nested in it (Parallel branches, then a Map's ItemProcessor and Iterator).

    Takes a ``Machine``, a definition dict (``{"States": ...}``), or a bare ``States``
    mapping; dict states are yielded as dicts, model states as model objects, so a reader
    of compiled JSON and a reader of the model walk the same way. States that are not
    objects (only broken hand-written ASL has them) are skipped.
    """
    if isinstance(machine_or_states, Machine) or _is_machine(machine_or_states):
        states, own = _states_of(machine_or_states)
        language = own or language
    else:
        states = machine_or_states
    if states is None:
        return
    for name, state in states.items():
        if not isinstance(state, (State, Mapping)):
            continue
        lang = _field(state, "QueryLanguage")
        lang = lang if isinstance(lang, str) else language
        path = (*_path, name)
        yield Visit(path, name, state, lang, _parent)
        for sub, body in _children(state):
            yield from walk(body, lang, (*path, *sub), state)

"""Lowering of statements (a mixin of ``FunctionLowerer``): blocks, assignments and
augmented assignments, ``raise``, ``if``/``while``/``for`` as Choice loops, ``return``,
``break``/``continue``, and the statement-level pyflow calls (``pf.wait``, ``time.sleep``,
``pf.custom_state``...). Each method takes the frontier it continues and returns the
frontier after it.
"""
from __future__ import annotations

import libcst as cst

from pyflow import ir
from pyflow.frontend.common import LATER, RESERVED_PREFIX, Frontier, Loop, Unsupported, annotation_type
from pyflow.frontend.expressions import _BINOPS, _is_dotted
from pyflow.frontend.modules import BUILTIN_EXCEPTIONS, MAX_SECONDS, error_ref, literal

def _unpacked(value: ir.Expr, n: int) -> ir.Expr:
    """``a, b = value`` (or ``for a, b in ...``): Python unpacks any iterable, a str's
    characters and a dict's keys too (``list()``), and raises ValueError unless it has
    exactly ``n`` items (``check_unpack``)."""
    return ir.Builtin("check_unpack", (ir.Builtin("list", (value,)), ir.Const(n)))



class StatementLowering:
    """Mixin: see the module docstring."""

    # ------------------------------------------------------------ statements
    def block(self, stmts: list[cst.BaseStatement], frontier: Frontier) -> Frontier:
        absorbed = self.plan_map_loops(stmts)  # `acc = []` statements a loop's Map replaces
        for i, stmt in enumerate(stmts):
            if i in absorbed:
                self.declare_absorbed(stmt)
            else:
                frontier = self.block_statement(stmt, frontier)
        return frontier

    def declare_absorbed(self, stmt: cst.BaseStatement) -> None:
        """``acc: list = []`` replaced by its loop's Map still declares ``acc``'s type."""
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            self.declared_types[small.target.value] = annotation_type(small.annotation)

    def block_statement(self, stmt: cst.BaseStatement, frontier: Frontier) -> Frontier:
        """One statement of a block whose loops are planned already."""
        if not frontier:
            # unreachable code after return/raise/break: still checked, never emitted
            dead = self.new(ir.Nop(label="dead"))
            self.block([stmt], [(dead, "next")])
            return frontier
        return self.statement(stmt, frontier)

    def statement(self, stmt: cst.BaseStatement, frontier: Frontier) -> Frontier:
        saved = self.current_statement
        try:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if not frontier:
                        break
                    self.current_statement = small
                    frontier = self.small(small, frontier)
                return frontier
            self.current_statement = stmt
            if isinstance(stmt, cst.If):
                return self.if_stmt(stmt, frontier)
            if isinstance(stmt, cst.While):
                return self.while_stmt(stmt, frontier)
            if isinstance(stmt, cst.For):
                return self.for_stmt(stmt, frontier)
            if isinstance(stmt, cst.Try):
                return self.try_stmt(stmt, frontier)
            if isinstance(stmt, cst.TryStar):
                self.error("PF100", "`except*` (exception groups) is not supported", stmt, help="use except")
                return frontier
            if isinstance(stmt, cst.With):
                return self.with_stmt(stmt, frontier)
            if isinstance(stmt, cst.Match):
                self.error(LATER, "`match` statements are not supported by this version of pyflow", stmt,
                           help="write the cases as an if/elif chain")
                return frontier
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                self.error("PF100", "a workflow cannot define functions or classes", stmt,
                           help="define it at module level as a @task")
                return frontier
            self.error("PF100", f"`{type(stmt).__name__.lower()}` statements are not supported in a workflow", stmt,
                       help="move this logic into a @task function")
            return frontier
        except Unsupported:
            self.pending.clear()
            return frontier
        finally:
            self.current_statement = saved

    def flush(self, frontier: Frontier) -> Frontier:
        for op in self.pending:
            frontier = self.emit(frontier, op)
        self.pending.clear()
        return frontier

    def small(self, small: cst.BaseSmallStatement, frontier: Frontier) -> Frontier:
        if isinstance(small, cst.Pass):
            return frontier
        if isinstance(small, cst.Expr):
            return self.expr_statement(small, frontier)
        if isinstance(small, cst.Assign):
            return self.assign(small.targets, small.value, small, frontier)
        if isinstance(small, cst.AnnAssign):
            if small.value is None:
                if isinstance(small.target, cst.Name):
                    self.declared_types[small.target.value] = annotation_type(small.annotation)
                return frontier
            if isinstance(small.target, cst.Name):
                self.declared_types[small.target.value] = annotation_type(small.annotation)
            return self.assign([cst.AssignTarget(small.target)], small.value, small, frontier)
        if isinstance(small, cst.AugAssign):
            return self.aug_assign(small, frontier)
        if isinstance(small, cst.Return):
            if self.return_mode in ("branch", "map"):
                self.error("PF114", "`return` cannot leave a parallel branch, a map body or a wrapped try body",
                           small, help="assign a variable and return after the block")
                return frontier
            if small.value is not None and isinstance(small.value, cst.Call):
                frag = self.fragment_for(small.value.func)
                if frag is not None:
                    tmp = self.temp("ret")
                    frontier = self.fragment_call(small.value, frag, tmp, frontier)
                    small = small.with_changes(value=cst.Name(tmp))
                    self.locals.add(tmp)
            value = ir.Const(None) if small.value is None else self.value_or_task(small.value, None)
            if self.return_mode == "fragment":
                return self.fragment_return(value, frontier)
            frontier = self.flush(frontier)
            if self.tries.finally_stack:
                tmp = self.temp("ret")
                frontier = self.emit(frontier, ir.Assign(tmp, value, span=self.span(small)))
                frontier = self.run_finally_before_exit(frontier)
                value = ir.Var(tmp)
            node = self.new(ir.Return(value, span=self.span(small)))
            self.connect(frontier, node)
            return []
        if isinstance(small, cst.Raise):
            return self.raise_stmt(small, frontier)
        if isinstance(small, cst.Break):
            if not self.loops:
                self.error("PF109", "`break` outside a loop (or across a branch, map body or fragment)", small)
                return frontier
            frontier = self.run_finally_before_exit(frontier, self.loops[-1].finally_depth)
            self.loops[-1].breaks.extend(frontier)
            return []
        if isinstance(small, cst.Continue):
            if not self.loops:
                self.error("PF109", "`continue` outside a loop (or across a branch, map body or fragment)", small)
                return frontier
            frontier = self.run_finally_before_exit(frontier, self.loops[-1].finally_depth)
            self.connect(frontier, self.loops[-1].head)
            return []
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            self.error("PF100", "imports belong at module level, not inside a workflow", small,
                       help="move the import to the top of the module")
            return frontier
        self.error("PF100", f"`{type(small).__name__.lower()}` statements are not supported in a workflow", small,
                   help="move this logic into a @task function")
        return frontier

    def expr_statement(self, small: cst.Expr, frontier: Frontier) -> Frontier:
        value = small.value
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            return frontier  # a docstring or comment string
        if isinstance(value, cst.Call):
            special = self.statement_call(value, frontier)
            if special is not None:
                return special
            frag = self.fragment_for(value.func)
            if frag is not None:
                return self.fragment_call(value, frag, None, frontier)
            if self.client_of(value.func) is not None:
                op = self.service_call(value)
                return self.emit(self.flush(frontier), op)
            if self.mod.pyflow_name(value.func) in ("sync", "options"):
                op = self.sync_or_options(value, self.mod.pyflow_name(value.func) or "")
                return self.emit(self.flush(frontier), op)
            task = self.task_for(value.func)
            if task is not None:
                op = self.task_call(value, task, None)
                frontier = self.flush(frontier)
                return self.emit(frontier, op)
            self.expr(value)  # reports PF104 (and raises) for a call to something that is not a task
            self.pending.clear()
        self.error("PF100", "this expression statement has no effect in a workflow", small,
                   help="assign its value to a name, or call a @task")
        return frontier

    def statement_call(self, call: cst.Call, frontier: Frontier) -> Frontier | None:
        """pf.wait / time.sleep / pf.fail / pf.custom_state used as statements."""
        if not _is_dotted(call.func):
            return None
        name = self.mod.pyflow_name(call.func)
        quals = self.mod.qualified(call.func)
        if name == "wait" or "time.sleep" in quals:
            op = self.wait_call(call, sleep="time.sleep" in quals)
            frontier = self.flush(frontier)
            return self.emit(frontier, op)
        if name == "fail":
            error, cause = "pyflow.Failed", ir.Const("")
            for i, arg in enumerate(call.args):
                key = arg.keyword.value if arg.keyword else ("error", "cause")[min(i, 1)]
                if key == "error":
                    try:
                        error = str(literal(arg.value))
                    except (ValueError, SyntaxError):
                        self.error("PF111", "pf.fail(error=...) must be a string literal", arg.value,
                                   help="the error name is fixed when the state machine is built")
                elif key == "cause":
                    cause = self.expr(arg.value)
                else:
                    self.error("PF111", f"pf.fail() has no argument {key!r}", arg)
            frontier = self.flush(frontier)
            node = self.new(ir.Raise(error, cause, span=self.span(call)))
            self.connect(frontier, node)
            return []
        if name == "custom_state":
            if not call.args:
                self.error("PF111", "pf.custom_state() needs the state as a dict literal", call)
                return frontier
            try:
                state = literal(call.args[0].value)
            except (ValueError, SyntaxError):
                self.error("PF111", "pf.custom_state() needs a literal dict", call.args[0].value)
                return frontier
            if not isinstance(state, dict) or "Type" not in state:
                self.error("PF111", "pf.custom_state() needs an ASL state: a dict with a \"Type\"", call.args[0].value)
                return frontier
            return self.emit(frontier, ir.Custom(state, span=self.span(call)))
        if name in ("parallel", "branch"):
            self.error("PF116", f"pf.{name}() is used as `with pf.{name}():`", call)
            return frontier
        return None

    def wait_call(self, call: cst.Call, sleep: bool) -> ir.Wait:
        seconds = until = None
        for i, arg in enumerate(call.args):
            key = arg.keyword.value if arg.keyword else ("seconds" if i == 0 else "?")
            if key in ("seconds", "secs") or (sleep and arg.keyword is None):
                seconds = self.expr(arg.value)
            elif key == "until":
                until = self.expr(arg.value)
            else:
                self.error("PF111", f"pf.wait() has no argument {key!r}", arg, help="use seconds= or until=")
        if (seconds is None) == (until is None):
            self.error("PF111", "pf.wait() takes exactly one of seconds= or until=", call,
                       help="write pf.wait(seconds=n) or pf.wait(until=timestamp)")
            seconds = ir.Const(0)
        if isinstance(until, ir.Builtin) and until.name == "timestamp":
            until = until.args[0]
        if isinstance(seconds, ir.Const) and not (
                isinstance(seconds.value, int) and not isinstance(seconds.value, bool) and 0 <= seconds.value <= MAX_SECONDS):
            self.error("PF111", f"a Wait takes a whole number of seconds from 0 to {MAX_SECONDS:,}, not {seconds.value!r}",
                       call, help="round to whole seconds; wait longer than that in a loop of waits")
        return ir.Wait(seconds=seconds, timestamp=until, span=self.span(call))

    def assign(self, targets: list[cst.AssignTarget], value: cst.BaseExpression, stmt: cst.CSTNode,
               frontier: Frontier) -> Frontier:
        if len(targets) == 1 and self.bind_local_client(targets[0].target, value):
            return frontier
        if len(targets) == 1 and isinstance(targets[0].target, cst.Name) and isinstance(value, cst.Call) \
                and (self.client_of(value.func) is not None or self.mod.pyflow_name(value.func) in ("sync", "options")):
            name = self.mod.pyflow_name(value.func)
            op = self.sync_or_options(value, name) if name in ("sync", "options") else self.service_call(value)
            op.target = self.check_target(targets[0].target)
            return self.emit(self.flush(frontier), op)
        if len(targets) == 1 and isinstance(targets[0].target, cst.Name) and isinstance(value, cst.Call):
            frag = self.fragment_for(value.func)
            if frag is not None:
                return self.fragment_call(value, frag, self.check_target(targets[0].target), frontier)
            task = self.task_for(value.func)
            if task is not None:
                name = self.check_target(targets[0].target)
                op = self.task_call(value, task, name)
                frontier = self.flush(frontier)
                return self.emit(frontier, op)
            if self.mod.pyflow_name(value.func) == "custom_state":
                name = self.check_target(targets[0].target)
                out = self.statement_call(value, frontier)
                if out and out != frontier:
                    op = self.graph.nodes[out[0][0]]["op"]
                    if isinstance(op, ir.Custom):
                        op.target = name
                return out if out is not None else frontier
        expr = self.expr(value)
        frontier = self.flush(frontier)
        for tgt in targets:
            t = tgt.target
            if isinstance(t, cst.Name):
                name = self.check_target(t)
                frontier = self.emit(frontier, ir.Assign(name, expr, span=self.span(stmt)))
            elif isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and len(t.slice) == 1 \
                    and isinstance(t.slice[0].slice, cst.Index):
                shared = getattr(self, "shared_items", {}).get(id(t))
                if shared is not None:
                    self.error("PF113", f"`{shared[0]}[...] = ...` changes an object `{shared[1]}` may also refer to; "
                               "Python changes it for both, the compiled workflow copies values", t,
                               help=f"copy first (`{shared[0]} = {{**{shared[0]}}}` for a dict, "
                                    f"`{shared[0]} = {shared[0]} + []` for a list) and change the copy, or build "
                                    f"the new value in one expression: `{shared[0]} = {{**{shared[0]}, \"k\": v}}`")
                base = self.check_target(t.value)
                key = self.expr(t.slice[0].slice.value)
                frontier = self.flush(frontier)
                new = ir.Builtin("setitem", (ir.Var(base), key, expr))
                frontier = self.emit(frontier, ir.Assign(base, new, span=self.span(stmt)))
            elif isinstance(t, (cst.Tuple, cst.List)):
                names = [el.value for el in t.elements]
                if any(isinstance(el, cst.StarredElement) for el in t.elements):
                    self.error("PF113", "starred unpacking (`a, *rest = ...`) is not supported", t,
                               help="index the list instead: a = xs[0]")
                    continue
                if not all(isinstance(n, cst.Name) for n in names):
                    self.error("PF113", "only names can be unpacked", t)
                    continue
                tmp = self.temp("unpack")
                frontier = self.emit(frontier, ir.Assign(tmp, expr, span=self.span(stmt)))
                frontier = self.emit(frontier, ir.Assign(tmp, _unpacked(ir.Var(tmp), len(names)), span=self.span(stmt)))
                for i, n in enumerate(names):
                    assert isinstance(n, cst.Name)
                    frontier = self.emit(frontier, ir.Assign(
                        self.check_target(n), ir.Subscript(ir.Var(tmp), ir.Const(i)), span=self.span(stmt)))
            else:
                self.error("PF113", "pyflow can assign to names and to `name[key]` only", t,
                           help="assign to a local name")
        return frontier

    def check_target(self, name: cst.Name) -> str:
        if name.value.startswith(RESERVED_PREFIX) or name.value == "states" or name.value.startswith("__") \
                or not name.value.isascii():
            self.error("PF113", f"the name {name.value!r} is reserved by pyflow or not an ASCII identifier", name,
                       help=f"rename it (names starting with {RESERVED_PREFIX!r} or `__`, and `states`, are reserved)")
        return self.renames.get(name.value, name.value)

    def temp(self, hint: str) -> str:
        self.temp_counter += 1
        return f"{RESERVED_PREFIX}{hint}{self.temp_counter}"

    def aug_assign(self, small: cst.AugAssign, frontier: Frontier) -> Frontier:
        if not isinstance(small.target, cst.Name):
            self.error("PF113", "augmented assignment works on names only", small.target)
            return frontier
        op = _BINOPS.get(type(small.operator).__name__.replace("Assign", ""))
        if op is None:
            self.error("PF102", f"the operator `{cst.Module([]).code_for_node(small.operator).strip()}` is not supported",
                       small.operator)
            return frontier
        name = self.check_target(small.target)
        value = ir.BinOp(op, ir.Var(name), self.expr(small.value))
        frontier = self.flush(frontier)
        return self.emit(frontier, ir.Assign(name, value, span=self.span(small)))

    def raise_stmt(self, small: cst.Raise, frontier: Frontier) -> Frontier:
        exc = small.exc
        if exc is None:
            return self.bare_raise(small, self.flush(frontier))
        if isinstance(exc, cst.Name) and exc.value in self.locals:
            var = self.renames.get(exc.value, exc.value)
            if var in self.caught:
                node = self.new(ir.Raise("", ir.Const(""), dynamic=ir.Var(var), span=self.span(small)))
                self.connect(self.flush(frontier), node)
                return []
        call = exc if isinstance(exc, cst.Call) else None
        cls_node = call.func if call else exc
        error = self.exception_name(cls_node)
        cause: ir.Expr = ir.Const("")
        if call is not None:
            if len(call.args) > 1 or any(a.keyword for a in call.args):
                self.error("PF107", "raise an exception with one message argument", call,
                           help="pass a single string, e.g. raise JobFailed(f\"job {job_id} failed\")")
            elif call.args:
                cause = ir.Builtin("str", (self.expr(call.args[0].value),))
        if error is None:
            return frontier
        frontier = self.flush(frontier)
        node = self.new(ir.Raise(error, cause, span=self.span(small)))
        self.connect(frontier, node)
        return []

    def exception_name(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Name):
            if node.value in self.mod.classes or node.value in BUILTIN_EXCEPTIONS or node.value in self.mod.imports:
                return error_ref(self.mod, node)
        root = node
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(node, cst.Attribute) and isinstance(root, cst.Name) and root.value in self.mod.imports:
            name = error_ref(self.mod, node)
            if name.startswith("States.") or name == "pyflow.MissingInput":
                return name
            return name
        self.error("PF107", "raise needs an exception class defined or imported in this module", node,
                   help="define `class MyError(Exception): pass` at module level and raise MyError(\"why\")")
        return None

    # ------------------------------------------------------------ control flow
    def if_stmt(self, stmt: cst.If, frontier: Frontier) -> Frontier:
        test = self.condition(stmt.test)
        frontier = self.flush(frontier)
        branch = self.new(ir.Branch(test, "if", span=self.span(stmt.test), source=self.source_of(stmt.test)))
        self.connect(frontier, branch)
        out = self.block(self._body(stmt.body), [(branch, "T")])
        if stmt.orelse is None:
            return out + [(branch, "F")]
        if isinstance(stmt.orelse, cst.If):
            return out + self.if_stmt(stmt.orelse, [(branch, "F")])
        return out + self.block(self._body(stmt.orelse.body), [(branch, "F")])

    def while_stmt(self, stmt: cst.While, frontier: Frontier) -> Frontier:
        head = self.new(ir.Nop(label="while", span=self.span(stmt)))
        self.connect(frontier, head)
        constant = self.constant_truth(stmt.test)
        loop = Loop(head, finally_depth=len(self.tries.finally_stack))
        self.loops.append(loop)
        if constant is True:
            body_frontier: Frontier = [(head, "next")]
            exit_frontier: Frontier = []
        else:
            test = self.condition(stmt.test)
            entry = self.flush([(head, "next")])
            branch = self.new(ir.Branch(test, "while", span=self.span(stmt.test), source=self.source_of(stmt.test)))
            self.connect(entry, branch)
            body_frontier = [(branch, "T")]
            exit_frontier = [(branch, "F")]
        out = self.block(self._body(stmt.body), body_frontier)
        self.connect(out, head)
        self.loops.pop()
        if stmt.orelse is not None:
            exit_frontier = self.block(self._body(stmt.orelse.body), exit_frontier)
        return exit_frontier + loop.breaks

    def for_stmt(self, stmt: cst.For, frontier: Frontier) -> Frontier:
        if stmt.asynchronous is not None:
            self.error("PF100", "`async for` is not supported", stmt)
            return frontier
        iterable = stmt.iter
        if isinstance(iterable, cst.Call) and self.mod.pyflow_name(iterable.func) == "map":
            return self.for_map(stmt, frontier)
        plan = self.map_loop_plans.pop(id(stmt), None)
        if plan is not None and not self.catching:
            return self.for_as_map(stmt, plan, frontier)
        seq = self.iterable(iterable)
        frontier = self.flush(frontier)
        seq_name, idx_name = self.temp("seq"), self.temp("i")
        span = self.span(stmt)
        frontier = self.emit(frontier, ir.Assign(seq_name, seq, span=span))
        frontier = self.emit(frontier, ir.Assign(idx_name, ir.Const(0), span=span))
        head = self.new(ir.Nop(label="for", span=span))
        self.connect(frontier, head)
        test = ir.Compare("<", ir.Var(idx_name), ir.Builtin("len", (ir.Var(seq_name),)))
        branch = self.new(ir.Branch(test, "for", span=self.span(stmt.target),
                                    source=f"{self.source_of(stmt.target)} in {self.source_of(stmt.iter)}"))
        self.graph.add_edge(head, branch, key="next", label="next", assigns=[])
        body: Frontier = [(branch, "T")]
        item = ir.Builtin("at", (ir.Var(seq_name), ir.Var(idx_name)))
        target = stmt.target
        if isinstance(target, cst.Name):
            body = self.emit(body, ir.Assign(self.check_target(target), item, span=span))
        elif isinstance(target, (cst.Tuple, cst.List)) and all(
                isinstance(e.value, cst.Name) and not isinstance(e, cst.StarredElement) for e in target.elements):
            unpack = self.temp("unpack")
            body = self.emit(body, ir.Assign(unpack, _unpacked(item, len(target.elements)), span=span))
            for i, el in enumerate(target.elements):
                assert isinstance(el.value, cst.Name)
                body = self.emit(body, ir.Assign(self.check_target(el.value), ir.Subscript(ir.Var(unpack), ir.Const(i)),
                                                 span=span))
        else:
            self.error("PF113", "a for loop's target must be a name or a tuple of names", target)
        body = self.emit(body, ir.Assign(idx_name, ir.BinOp("+", ir.Var(idx_name), ir.Const(1)), span=span))
        # `continue` must still advance the index: it jumps to a node that increments first
        loop = Loop(head, finally_depth=len(self.tries.finally_stack))
        self.loops.append(loop)
        out = self.block(self._body(stmt.body), body)
        self.loops.pop()
        self.connect(out, head)
        exit_frontier: Frontier = [(branch, "F")]
        if stmt.orelse is not None:
            exit_frontier = self.block(self._body(stmt.orelse.body), exit_frontier)
        return exit_frontier + loop.breaks

    def iterable(self, node: cst.BaseExpression) -> ir.Expr:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "range" \
                and node.func.value not in self.locals:
            return self.range_call(node)
        return self.expr(node)

    def range_call(self, node: cst.Call) -> ir.Expr:
        args = [self.expr(a.value) for a in node.args]
        if not 1 <= len(args) <= 3 or any(a.keyword for a in node.args):
            self.error("PF111", "range() takes 1 to 3 positional arguments", node)
            raise Unsupported
        if len(args) == 1:
            args = [ir.Const(0), args[0]]
        if len(args) == 2:
            args.append(ir.Const(1))
        return ir.Builtin("range", tuple(args))

    def constant_truth(self, node: cst.BaseExpression) -> bool | None:
        if isinstance(node, cst.Name) and node.value in ("True", "False"):
            return node.value == "True"
        if isinstance(node, cst.Integer):
            return int(node.value, 0) != 0
        return None

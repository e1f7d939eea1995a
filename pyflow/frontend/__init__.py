"""Frontend: read Python source with libcst (never importing it) and build the IR."""

"""The request workflow every request type shares: submit, route, decide, undo, remind, report."""

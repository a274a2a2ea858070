"""Working away from home and coming back (di lam an xa, tro ve dia phuong)."""

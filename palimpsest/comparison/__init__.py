"""Two policy texts compared: one alignment (``diff.edits``), one similarity measure, the redline people read, and
which sections changed.

Part of the kernel: it imports only ``palimpsest.text``. The warehouse counts a change's words and flags minor
changes with it; the command line, the report and ``verify`` show and measure differences with it.
"""

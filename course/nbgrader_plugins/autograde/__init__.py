"""nbgrader autograde: run in the sandbox, mark from the text, save, record faults."""

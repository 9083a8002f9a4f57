"""nbgrader generate_assignment: what the released notebook carries."""

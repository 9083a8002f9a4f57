"""nbgrader's exchange: only regular files travel."""

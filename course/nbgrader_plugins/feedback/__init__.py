"""nbgrader generate_feedback: each mark explained to the trainee."""

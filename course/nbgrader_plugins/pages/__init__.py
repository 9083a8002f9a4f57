"""Pages people view: templates, inert trainee content, the Formgrader's policy."""

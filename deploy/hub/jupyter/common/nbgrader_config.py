"""nbgrader settings every trainee's and grader's server reads on the course's JupyterHub.

The hub passes the course and the exchange as environment variables (deploy/hub/cryocourse_hub.py).
"""

import os

c = get_config()  # noqa: F821 -- provided by nbgrader / Jupyter when it loads this file

c.CourseDirectory.course_id = os.environ.get("CRYOCOURSE_COURSE_ID", "cosmetic-cryotherapy")
c.Exchange.root = os.environ.get("CRYOCOURSE_EXCHANGE", "/srv/nbgrader/exchange")

# Fetching an assignment also writes DUE-DATE.md beside it: its due date and this trainee's
# own extra time, as the instructor set them (course/nbgrader_plugins/exchange/due_notes.py).
c.ExchangeFactory.fetch_assignment = "course.nbgrader_plugins.exchange.due_notes.DueDateFetch"

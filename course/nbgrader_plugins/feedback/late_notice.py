"""``LateNotice``: the feedback page says when a hand-in was late, by how much, against what."""

from __future__ import annotations

import datetime

from nbgrader.preprocessors import NbGraderPreprocessor

from course.storage.deadlines import show_span, show_time


class LateNotice(NbGraderPreprocessor):
    """For the feedback page: when the hand-in was late, by how much, against which due date
    and extension (``resources.late``; the server's time of the hand-in, from the gradebook)."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        resources["late"] = None
        with Gradebook(info["db_url"]) as gradebook:
            try:
                submission = gradebook.find_submission(info["assignment"], info["student"])
            except MissingEntry:
                return nb, resources
            late = submission.total_seconds_late
            if late > 0:
                extension = submission.extension or datetime.timedelta(0)
                resources["late"] = {
                    "by": show_span(datetime.timedelta(seconds=late)),
                    "at": show_time(submission.timestamp),
                    "due": show_time(submission.assignment.duedate),
                    "extension": show_span(extension) if extension else "",
                }
        return nb, resources

"""The term, over nbgrader's API: what ``cryocourse`` (course/cli.py) is built on.

course_folder.py      the course folder, its configuration and assignments; CourseError
submissions.py        collected submissions and the ledger of graded ones
submission_checks.py  file-level checks of a submitted notebook, before nbgrader reads it
gradebook.py          hand grades kept over a regrade, trainees' names, integrity
parallel_grading.py   ``grade_assignment``: worker processes, progress, the run's summary
report.py             the class report (HTML with figures)
deadlines.py          due dates, extensions, accommodations, late policies and penalties
due_notes.py          what a trainee sees of them: published files, DUE-DATE.md at fetch
grading_service.py    the graders' Formgrader-only service (no terminal, kernel or files)
authoring.py          checks of hand-edited source notebooks
"""

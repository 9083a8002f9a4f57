"""The term, over nbgrader's API: what ``cryocourse`` (course/cli.py) is built on, one
function a command (docs/architecture.md lists every module).

assignment_steps.py   release, collect, grade, feedback: an assignment's steps
due_dates.py          due dates, late policies, extensions (``deadline``, ``extension``)
supervised_windows.py supervised windows (``supervise``)

submissions.py        collected submissions and the ledger of graded ones
submission_checks.py  file-level checks of a submitted notebook, before nbgrader reads it
gradebook.py          hand grades kept over a regrade, trainees' names, integrity
parallel_grading.py   ``grade_assignment``: worker processes, progress, the run's summary
report.py             the class report (HTML with figures)
self_study.py         setup.sh lab: lessons into my-work/, released, stamped
"""

"""What nbgrader_config.py puts in nbgrader's pipelines (and nothing else).

execute.py           ``SandboxedExecute``: run a submission in the sandbox, fault-tolerant
restore_metadata.py  ``RestoreGradeMetadata``: put back grading settings a trainee changed
trusted_scores.py    ``TrustedScores`` (marks from the answers' text) and ``ItemPoints``
save_grades.py       ``SaveAutoGradesAtOnce``: nbgrader's SaveAutoGrades, one commit per notebook
faults.py            what went wrong with one notebook, recorded on the notebook
handins.py           who made an inbound hand-in (owner uid) and when it arrived (server time)
nbgrader_patches.py  speed-ups of nbgrader internals, applied explicitly, pinned version only
"""

"""State below both the nbgrader plug-ins and the classroom.

course_folder.py  the course folder, its configuration and assignments; CourseError
database.py       SQLite or PostgreSQL: naming, backups, integrity, the grading lock
variant_keys.py   the course's salt and each trainee's variant key
"""

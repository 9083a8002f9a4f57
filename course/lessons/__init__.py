"""One facade per lesson: exactly what its setup cell imports.

Each lesson's setup cell is one line, ``from course.lessons.<lesson> import *``.
"""

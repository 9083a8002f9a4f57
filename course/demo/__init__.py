"""Synthetic classes: trainees with typical answers, and a whole term run on them.

synthetic_trainees.py  trainees (seeded) and their filled-in notebooks, with expected points
class_demo.py          ``cryocourse demo``: a copy of the course, submissions, grading, report
"""

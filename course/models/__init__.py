"""Models over the facts: pure functions the views, exercises and graders call.

physiology.py      the cold-response simulator (1-D bioheat slab with perfusion)
screening.py       screen(intake, modality) -> two-part decision (treatment today + referral)
cases.py           the authored case bank, practice clients, scoring of a screening answer
variants.py        each trainee's own clients in assessment 05
timing.py          session planner, log checker, course spacing
oxygen.py          oxygen in a ventilated room after nitrogen releases
session_record.py  the session record (lesson 07's fields; lesson 03's log)
"""

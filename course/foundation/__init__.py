"""The lowest layer, no course imports: how the course reads what people give it.

names.py          name matching shared by everything a person types ("did you mean"), durations
regular_files.py  only regular files travel: no-follow reading, copying and screening of a
                  trainee's files, limits, refusals recorded by name and reason
"""

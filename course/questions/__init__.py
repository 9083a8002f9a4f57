"""Questions: what an answer may be, how it is marked, how its text is read.

kinds.py            answer kinds, normalisation, Item/Score, Status, AnswerFormatError
reader.py           the one reader of a notebook's text: answers (last assignment wins), names
friendly_errors.py  errors in a trainee's cell told in plain words, never as a traceback
"""

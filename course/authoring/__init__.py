"""For authors: checks of hand-edited sources and generated documents.

source_checks.py      checks of hand-edited source notebooks
variant_notebook.py   assessment 05's cells for one variant
clinical_rules_doc.py docs/clinical-rules.md from the data (CI checks it is in sync)
"""

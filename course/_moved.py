"""Where each module of the course used to live, and where it lives now.

Notebooks in trainees' hands, grade cells stored in gradebooks and instructors' scripts import
the old paths (``course.grading``, ``course.views.physiology``, ...). ``course/__init__.py``
installs a finder that answers an old path with the module that now lives at the new one (the
same object, so ``isinstance`` and monkeypatching agree). tests/unit/test_import_paths.py proves
that every old path and every import in source/, release/ and grade cells resolves.
"""

MOVED: dict[str, str] = {
    "course.text": "course.foundation.names",
    "course.plain_files": "course.foundation.regular_files",
    "course.knowledge": "course.facts.knowledge",
    "course.safe_practice": "course.facts.safe_practice",
    "course.physiology": "course.models.physiology",
    "course.timing": "course.models.timing",
    "course.screening": "course.models.screening",
    "course.cases": "course.models.cases",
    "course.variants": "course.models.variants",
    "course.oxygen": "course.models.oxygen",
    "course.records": "course.models.session_record",
    "course.answers": "course.questions.kinds",
    "course.notebook_text": "course.questions.reader",
    "course.plain_errors": "course.questions.friendly_errors",
    "course.grading": "course.checks",
    "course.views.physiology": "course.views.simulator",
    "course.views.safety": "course.views.safe_practice",
    "course.autograde.trainee_view": "course.nbgrader_plugins.generate.release_cells",
    "course.autograde.execute": "course.nbgrader_plugins.autograde.execute",
    "course.autograde.restore_metadata": "course.nbgrader_plugins.autograde.restore_metadata",
    "course.autograde.trusted_scores": "course.nbgrader_plugins.autograde.trusted_scores",
    "course.autograde.save_grades": "course.nbgrader_plugins.autograde.save_grades",
    "course.autograde.faults": "course.nbgrader_plugins.autograde.faults",
    "course.autograde.grading_guard": "course.nbgrader_plugins.autograde.grading_guard",
    "course.autograde.teaching_feedback": "course.nbgrader_plugins.feedback.teaching_feedback",
    "course.autograde.mark_scheme": "course.nbgrader_plugins.feedback.mark_scheme",
    "course.autograde.page_templates": "course.nbgrader_plugins.pages.page_templates",
    "course.autograde.inert_content": "course.nbgrader_plugins.pages.inert_content",
    "course.classroom.page_policy": "course.nbgrader_plugins.pages.page_policy",
    "course.autograde.plain_copies": "course.nbgrader_plugins.exchange.regular_file_exchange",
    "course.autograde.nbgrader_patches": "course.nbgrader_plugins.nbgrader_patches",
    "course.autograde.variant_keys": "course.storage.variant_keys",
    "course.classroom.database": "course.storage.database",
    "course.classroom.course_folder": "course.storage.course_folder",
    "course.classroom.authoring": "course.authoring.source_checks",
    "course.classroom.variant_notebook": "course.authoring.variant_notebook",
    "course.clinical_rules": "course.authoring.clinical_rules_doc",
    "course.autograde": "course.nbgrader_plugins",
}

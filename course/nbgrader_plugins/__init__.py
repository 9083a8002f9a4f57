"""What nbgrader_config.py puts in nbgrader's pipelines, one room per stage.

generate/   release_cells.py: grade and set-up cells collapsed, answer kinds in cell metadata
autograde/  execute (sandboxed), restore_metadata, trusted_scores, save_grades, faults,
            grading_guard (every autograde holds the grading lock)
feedback/   teaching_feedback (each mark explained), mark_scheme
pages/      page_templates, inert_content (trainee HTML made inert), page_policy (CSP)
exchange/   regular_file_exchange: collect and release feedback, regular files only
nbgrader_patches.py  speed-ups of nbgrader internals, applied explicitly, pinned version only
"""

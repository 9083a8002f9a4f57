"""The knowledge base: course/data/*.toml and its readers (every fact with its sources).

knowledge.py     conditions, modalities, sources, claims, care: typed, validated, looked up
safe_practice.py lesson 07's facts: safe-practice rules, emergencies, record fields, oxygen
"""

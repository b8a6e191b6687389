"""`python -m bot knowledge import FILE`: the national 政务服务事项实施清单 export into the knowledge YAML.

readers (files into tables of rows) → official (columns and values of the national format) → records (knowledge-shaped
affairs and halls) → merge (into the existing YAML, keeping hand-written parts) → diff (per field) → command (CLI).
"""

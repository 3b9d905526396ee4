"""The pure core: model, text handling, scheduling, grading and question generation.

Nothing in here does I/O, reads the clock or uses the global random generator.
"""

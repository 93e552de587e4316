"""The line's rules, read from files an administrator edits: opening hours, field offices, place names.

Pure: nothing here imports Flask, the database or the clock; `now` is always an argument.
"""

"""The caller's journey, pure: the flow's machine, the menus, spoken answers and the subject classifier.

Nothing here imports Flask, the database or the clock: a webhook hands in the call, the event and
the facts, and gets back where the caller goes and what they hear.
"""

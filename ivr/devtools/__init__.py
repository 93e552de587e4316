"""Developer tools: the call simulator, the TwiML rules, the classifier report.

Never imported by a web worker or the scheduler: the CLI imports them when their command runs.
"""

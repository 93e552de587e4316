"""Work done when no call is in progress, in its own process (`flask ivr scheduler`): one module per job.

`registry` names the jobs and when each is due, `lease` makes sure one scheduler runs each once,
`scheduler` is the process, `context` what a run is given (the clock, Twilio, the mail server).
Never started by create_app or a web worker: each worker would run every job.
"""

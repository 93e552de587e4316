"""The webhooks' store of call records: a call, its place in the queue, its voicemails.

The hand-tuned SQL of the webhook path lives here and only here, each with the measurement that
justified it (tests/bench/README.md).
"""

"""The cost of the fabric: a price catalog with sources (prices.py), the pricing of one stack from its spec
and inventory (model.py), user-given carrier prices (carrier.py) and the reports' cost blocks (report.py).

Plain models and pure functions, no Pulumi. This package imports nothing at import time: the spec
validates price keys against prices.py, and model.py imports the spec, so an eager import here would
be a cycle.
"""

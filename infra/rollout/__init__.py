"""`fabric rollout`: deploy the stacks in dependency order, gated on the carrier.

- ``order``: which stack reads which (Global Reach owners read their peers), waves, cycles.
- ``records``: recording the carrier state in the stack files (a round-trip write; the spec reads it).
- ``gates``: what waits for the carrier or colocation provider, and what they must do.
- ``probe``: reading circuit and port states from Azure (SDK, or stack outputs).
- ``runner``: driving Pulumi (the Automation API), behind an interface.
- ``engine``: the loop; ``report``: its text; ``secrets``: the keys a stack needs.
"""

"""The offline planner: turns a marketer's request into tool calls, with no model.

Used when no language model is configured, and a deterministic reference for the agent. Nothing
is re-exported here; import a name from the module that defines it:

- `choose.plan(text, state, now)`: the entry point; scores the intents and returns a `Plan`.
- `plans`: `Plan`, `PlannedCall` and the `CAMPAIGN` placeholder for the campaign a plan creates.
- `intents`: the intent rows (single-call rows name their registry tool) and their cues.
- `vocabulary`, `dates`, `extract`, `reading`: the words, the time words, the audience slots,
  the parameters and the "Read as" line.
- `sequences`, `follow_ups`, `audiences`, `drafting`, `people`, `campaigns`: the builders.
"""

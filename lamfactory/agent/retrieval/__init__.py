"""The retrieval component: everything the agent adds beyond the model from solved training tasks.

  memory.py    the experience memory: verified training trajectories, retrieved by masked-request similarity,
               shown in the prompt as a worked example and passed to the decoder as a Hint
  transfer.py  how a remembered step's values carry over to this request by role (never its literal text)
  policy.py    `memory:DIR`, the retrieval-only policy: the nearest solved task's steps carried over, no model

Switched and weighted by DecodeSettings (agent/settings.py: retrieval, example_prior, ...), saved per checkpoint.
"""

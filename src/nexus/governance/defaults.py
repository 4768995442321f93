"""The policy in force for a tenant that has not written one: today's behaviour.

Members with the editor or admin role create runs (viewers cannot: their role has no
``runs:write`` either); every dispatch, provider call and tool call of an allowed run goes.
"""

from __future__ import annotations

DEFAULT_POLICY = """package nexus.policy

import rego.v1

default allow := false

# Editors and admins create runs of any registered pipeline.
allow if {
\tinput.action == "run.create"
\tsome role in input.principal.roles
\trole in {"admin", "editor"}
}

# What an allowed run does next is allowed: its dispatches, provider and tool calls.
allow if input.action in {"job.dispatch", "provider.call", "tool.call"}

# Uploading a skill is for editors and admins too.
allow if {
\tinput.action == "skill.upload"
\tsome role in input.principal.roles
\trole in {"admin", "editor"}
}
"""

package nexus.policy

import rego.v1

# Editors and admins run built-in pipelines; viewers run nothing.
default allow := false

allow if {
	input.action == "run.create"
	input.resource.origin == "builtin"
	some role in input.principal.roles
	role in {"editor", "admin"}
}

# Dispatches and model calls of a run that was allowed go on (the holds below still apply).
allow if input.action in {"job.dispatch", "provider.call", "tool.call"}

# A run estimated over the threshold waits for a human.
needs_approval contains msg if {
	input.action == "run.create"
	input.context.estimated_cost_usd > 0.50
	msg := sprintf("estimated cost %v USD is over the 0.50 USD threshold", [input.context.estimated_cost_usd])
}

# Every user-uploaded skill waits for a human before each dispatch.
needs_approval contains msg if {
	input.action in {"job.dispatch", "tool.call"}
	input.resource.origin == "user"
	msg := sprintf("user-uploaded skill %s needs approval", [input.resource.name])
}

# Nobody runs a user skill of another tenant.
deny contains "the skill belongs to another tenant" if {
	input.resource.origin == "user"
	input.resource.tenant_id != input.principal.tenant_id
}

approval_ttl_s := 3600

package nexus.policy

import rego.v1

# Booleans must arrive as booleans. A binding that turns True into 1.0 makes
# `required == true` fail for a required approval, and the unapproved call goes through.
default allow := false

allow if input.action == "tool.call"

needs_approval contains "approval required and not given" if {
	input.action == "tool.call"
	input.context.approval.required == true
	not approved_by_other
}

approved_by_other if {
	input.context.approval.status == "approved"
	input.context.approval.approver != input.principal.user_id
}

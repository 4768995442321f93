package nexus.agent.policy
default allow = false
allow {
    input.user.role == "user"
    input.tool.category in ["http", "text_processing", "data_analysis"]
    input.session.budget.tokens > 1000
}
allow {
    input.user.role == "admin"
}
allow {
    input.tool.category == "system"
    input.approval.status == "approved"
    input.approval.approver != input.user.id
}

/** The documented example policy, verbatim. */
export const EXAMPLE_POLICY = `groups:                       # named sets of humans: Slack user ids and/or e-mails
  finance: [U0SARAH123, cfo@acme.com]
  cfo: [U0CFO45678, cfo@acme.com]
admins: [admin@acme.com]      # may use the dashboard's admin pages (keys, policy, webhooks)
agent_routing: restrict       # allow | restrict | deny (see below); default restrict with a file
rules:                        # first match wins; a request no rule matches is refused (invalid_argument, field "policy")
  - name: small-refunds
    when:
      agents: [support-bot]             # API key names (globs); omitted = any
      action: "Refund *"                # glob on action_description; omitted = any
      if: 'double(details.amount) <= 50.0'   # CEL over {agent, action, details}; omitted = true
    decide: approved                    # auto-decision: signed, channel "policy", responder "policy:small-refunds"
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance-approvals", email: cfo@acme.com }
    approvers: [group:finance]
    quorum: 2                           # distinct humans must approve; any rejection ends it (veto)
    owner_cannot_approve: true          # the human who owns the API key may not vote (maker-checker)
    response_fields: [{ name: po_number, label: PO number, required: true }]
    timeout_hours: 4
    remind_after: [30m, 2h]             # nudge the pending approvers again
    escalate: [{ after: 1h, route: { slack: "#cfo-office" }, approvers: [group:cfo] }]
    on_timeout: rejected                # timed_out (default) | rejected | approved — a signed decision, channel "policy"
`;

/** What this version carries out in full: auto-decisions and single-approver routing. */
export const ENFORCEABLE_POLICY = `
groups:
  finance: [U0SARAH123, cfo@acme.com]
rules:
  - name: small-refunds
    when:
      agents: [support-bot]
      action: "Refund *"
      if: 'double(details.amount) <= 50.0'
    decide: approved
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance-approvals", email: cfo@acme.com }
    approvers: [group:finance]
    response_fields: [{ name: po_number, label: PO number, required: true }]
    timeout_hours: 4
`;

/**
 * The README's example policy as a demo: `admin` may use the admin pages, refunds guard their
 * optional amount, and a catch-all routes everything else to the admin. The dashboard's browser
 * test and the README screenshots run on it.
 */
export function demoPolicy(admin: string): string {
  return `groups:
  finance: [sarah@acme.com, cfo@acme.com]
admins: [${admin}]
agent_routing: restrict
rules:
  - name: small-refunds
    when:
      agents: [support-bot]
      action: "Refund *"
      if: 'has(details.amount) && double(details.amount) <= 50.0'
    decide: approved
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance-approvals", email: cfo@acme.com }
    approvers: [group:finance]
    quorum: 2
    owner_cannot_approve: true
    response_fields: [{ name: po_number, label: PO number, required: true }]
    timeout_hours: 4
    remind_after: [30m, 2h]
    escalate: [{ after: 1h, route: { slack: "#cfo-office" }, approvers: [U0CFO45678] }]
    on_timeout: rejected
  - name: everything-else
    route: { email: ${admin} }
`;
}

/**
 * Tool-call rules beside request rules: git push and terraform apply need a human (with "Approve for this
 * session"), Read and Grep pass, `rm -rf /` is refused, GitHub MCP writes from CI go to ops, the rest asks locally.
 */
export const TOOL_CALL_POLICY = `
tool_calls_default: ask
rules:
  - name: refunds
    when: { action: "Refund *" }
    route: { email: finance@acme.com }
  - name: read-only
    when: { tool: "Read" }
    decide: approved
  - name: grep
    when: { tool: "Gr?p" }
    decide: approved
  - name: pushes
    when:
      tool: Bash
      if: 'input.command.startsWith("git push") || input.command.contains("terraform apply")'
    route: { slack: "#deploys" }
    approvers: [lead@acme.com, U0LEAD0001]
    quorum: 1
    timeout_hours: 1
    on_timeout: rejected
    remember: 1h
  - name: github-writes
    when: { tool: "mcp__github__*", agents: [ci-*] }
    route: { email: ops@acme.com }
  - name: no-rm
    when: { tool: Bash, if: 'input.command.matches("^rm -rf /")' }
    decide: rejected
  - name: anything
    route: { email: ops@acme.com }
`;

/** What explain says of `git push --force` under TOOL_CALL_POLICY (the `pushes` rule), over HTTP and in the use case. */
export const PUSH_EXPLANATION = {
  verdict: 'route',
  tool: 'Bash',
  rule: 'pushes',
  answer: 'pending',
  route: { slack: '#deploys' },
  approvers: ['lead@acme.com', 'U0LEAD0001'],
  quorum: 1,
  owner_cannot_approve: false,
  response_fields: [],
  timeout_hours: 1,
  remind_after: [],
  escalate: [],
  on_timeout: 'rejected',
  on_timeout_answer: 'deny',
  delegation: 'within_group',
  remember: '1h',
} as const;

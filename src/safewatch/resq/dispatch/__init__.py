"""Flows that span ResQ's domains: a new incident needs guards (`service`), an unanswered one
escalates (`escalation`), a declined or unreachable alert passes on (`handover`).

It sits above `incidents`, `alerts` and `notify`, which import nothing from it (import-linter
checks): they make single moves, this package decides what follows them."""

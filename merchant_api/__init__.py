"""The merchants' API (风险诊断 as JSON): read-only views over metrics and cases, and the few
commands a merchant may give, every one scoped to the caller's merchant (accounts.scoping)."""

"""The merchants' web pages: risk diagnosis (风险诊断) for a signed-in merchant staff user."""

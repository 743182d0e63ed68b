"""caef — the application: the `caef` command line over the language (`caef_dsl`: check,
trace, graph, cost, compile) and the trainer (`trainer`: train, library, solve, eval,
crosscheck). The packages below it know nothing of it; see docs/design.md."""

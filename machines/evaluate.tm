# EVALUATE: an expression of several operators and parentheses, `(12+345)*6-78//9`, to its
# value as text: REDUCE carries out one operation at a time (the first whose operands are both
# numbers and that binds at least as tightly as its neighbours: * // % before + -, left to
# right, parentheses first) until SETTLED finds a number alone.
machine EVALUATE(t)
  text t
  register T
  register DONE
  result T
  start q0
  halt qH

  q0: T := t; call SETTLED(t) -> DONE; -> q1
  q1 if DONE: finish T; -> qH
  q1 if not DONE: call REDUCE(T) -> T; -> q2
  q2: call SETTLED(T) -> DONE; -> q1

  render q0, q1, q2 as "EVALUATE, " state ", " t " " T " " DONE
  render qH as "EVALUATE, qH, " t " " T

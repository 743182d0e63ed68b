# ALIGN_LONG: ALIGN with the long machines: `*`, `//` and `%` run LONG_MUL, LONG_DIV and
# LONG_MOD (schoolbook, any length); the other operators are ALIGN's.
machine ALIGN_LONG(t)
  text t
  head H on t
  register A
  register B
  register R
  register RESULT
  result RESULT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = x): move H right; -> q1
  q1 (H = "+-=<>"): call ALIGN(t) -> RESULT; -> qH
  q1 (H = "*/%"): call LEFT_OPERAND(t) -> A; -> q2
  q2: call RIGHT_OPERAND(t) -> B; -> q3
  q3 (H = "*"): call LONG_MUL(A, B) -> R; -> number
  q3 (H = "/"): call LONG_DIV(A, B) -> R; -> number
  q3 (H = "%"): call LONG_MOD(A, B) -> R; -> number
  number: call DECIMAL(R) -> RESULT; -> qH

  render q0, q1, q2, q3, number as "ALIGN_LONG, " state ", " H
  render qH as "ALIGN_LONG, qH, " H " " RESULT

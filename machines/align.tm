# ALIGN: an expression text in, its result out — the paper's aligner as a machine, so the
# model aligns too (docs/design.md, "Text in, text out"). `45+67=`: LEFT_OPERAND and
# RIGHT_OPERAND read 45 and 67 off the text, the operator the head finds picks the machine
# (the paper's: MUL and DIV add repeatedly), and DECIMAL writes the number as text; a
# comparison's result is its True or False.
machine ALIGN(t)
  text t
  head H on t
  register A
  register B
  register R
  register RESULT
  result RESULT
  start q0
  halt qH

  q0: call LEFT_OPERAND(t) -> A; -> q1
  q1: call RIGHT_OPERAND(t) -> B; move H right; -> q2
  q2 (H = x): move H right; -> q2
  q2 (H = "+"): call ADD(A, B) -> R; -> number
  q2 (H = "-"): call SUB(A, B) -> R; -> number
  q2 (H = "*"): call MUL(A, B) -> R; -> number
  q2 (H = "/"): call DIV(A, B) -> R; -> number
  q2 (H = "="): call EQUAL(A, B) -> R; -> truth
  q2 (H = ">"): call GREATER_THAN(A, B) -> R; -> truth
  q2 (H = "<"): call LESS_THAN(A, B) -> R; -> truth
  number: call DECIMAL(R) -> RESULT; -> qH
  truth: RESULT := R; -> qH

  render q0, q1, q2, number, truth as "ALIGN, " state ", " H
  render qH as "ALIGN, qH, " H " " RESULT

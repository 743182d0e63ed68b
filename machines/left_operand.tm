# LEFT_OPERAND: the number before the operator of an expression text (`45+67=` → 45), as a
# tape, least significant digit first. The head walks to the operator, then back over the
# digits, writing each: reading right to left turns the written order around.
machine LEFT_OPERAND(t)
  text t
  head H on t
  output OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = x): move H right; -> q1
  q1 (H = "+-*/%=<>"): move H left; -> q2
  q2 (H = x): put x on OUTPUT; move OUTPUT right; move H left; -> q2
  q2 (H = ^): finish OUTPUT; -> qH

  render q0, q1, q2 as "LEFT_OPERAND, " state ", " H " " OUTPUT
  render qH as "LEFT_OPERAND, qH, " H " " digits(OUTPUT)

# RIGHT_OPERAND: the number after the operator of an expression text (`45+67=` → 67), as a
# tape, least significant digit first: the head walks to the end of the text, then back over
# the digits to the operator, writing each.
machine RIGHT_OPERAND(t)
  text t
  head H on t
  output OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = x): move H right; -> q1
  q1 (H = "+-*/%=<>"): move H right; -> q1
  q1 (H = _): move H left; -> q2
  # The closing `=` is optional.
  q2 (H = "="): move H left; -> q3
  q2 (H = x): put x on OUTPUT; move OUTPUT right; move H left; -> q3
  q3 (H = x): put x on OUTPUT; move OUTPUT right; move H left; -> q3
  q3 (H = "+-*/%=<>"): finish OUTPUT; -> qH

  render q0, q1, q2, q3 as "RIGHT_OPERAND, " state ", " H " " OUTPUT
  render qH as "RIGHT_OPERAND, qH, " H " " digits(OUTPUT)

# SETTLED: is a text a number alone — no operator, no parenthesis left? EVALUATE asks it after
# each reduction.
machine SETTLED(t)
  text t
  head H on t
  register OUTPUT
  result OUTPUT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = x): move H right; -> q1
  q1 (H = "+-*/%()"): OUTPUT := False; finish OUTPUT; -> qH
  q1 (H = _): OUTPUT := True; finish OUTPUT; -> qH

  render q0, q1 as "SETTLED, " state ", " H
  render qH as "SETTLED, qH, " H " " OUTPUT

# SUB: a - b for a >= b, the paper's way, entirely by calls:
#   R = 99…9 - b (nines' complement, as long as a), S = a + R, T = S + 1 = a - b + 10^len(a),
#   and LEFT_MASK drops that leading 1 (and the zeros after it).
machine SUB(a, b)
  register R
  register S
  register T
  register OUTPUT
  result OUTPUT
  start q0
  halt qH
  require a >= b else "SUB computes a - b for a >= b only"

  q0: -> q1
  q1: call REFLECTION(fill(9, len(a)), b) -> R; -> q2
  q2: call ADD(a, R) -> S; -> q3
  q3: call ADD(S, 1) -> T; -> q4
  q4: call LEFT_MASK(T) -> OUTPUT; -> qH

  render q0, q1, q2, q3, q4, qH as "SUB, " state ", [HEAD1]" digits(a) " [HEAD2]" digits(b) " " digits(OUTPUT)

# GCD: the greatest common divisor, by Euclid: while B is not 0, (A, B) becomes (B, A mod B).
# A composite over the library's machines: LONG_MOD does the division.
machine GCD(a, b)
  register A
  register B
  register T
  result A
  start q0
  halt qH

  q0: A := a; B := b; -> q1
  q1 if B == 0: -> qH
  q1 if B != 0: call LONG_MOD(A, B) -> T; -> q2
  q2: A := B; B := T; -> q1

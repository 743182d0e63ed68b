# LONG_MOD: a % b by long division, the sibling of LONG_DIV: the same walk down the digits of
# a as QUOTIENT_DIGITS, keeping the running remainder R and writing no quotient.
machine LONG_MOD(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register R
  register Q in 0..9
  register LT
  result R
  start q0
  halt qH
  require b != 0 else "division by zero"

  q0: R := fill(0, 1); move HEAD1 right; -> q1
  q1 (HEAD1 = x): move HEAD1 right; -> q1
  q1 (HEAD1 = _): move HEAD1 left; -> q2

  # Bring down the digit under HEAD1 (the call reads it before the head moves on).
  q2 (HEAD1 = x): Q := 0; call SHIFT_IN(R, HEAD1) -> R; move HEAD1 left; -> q3
  q2 (HEAD1 = ^): finish R; -> qH
  # Subtract b while it fits; after 9 subtractions it cannot fit again (R < 10 * b).
  q3: call LESS_THAN(R, b) -> LT; -> q2 if LT else q4
  q4: call SUB_BORROW(R, b) -> R; Q := Q + 1; -> q3 if Q < 9 else q2

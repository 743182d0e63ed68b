# QUOTIENT_DIGITS: the digits of a // b, most significant first, then a marker 1 — the work
# of LONG_DIV. Long division from the top: HEAD1 walks to the most significant digit of a and
# back down; at each digit, R := R * 10 + digit (SHIFT_IN), then b is subtracted while it
# fits (at most 9 times: R < 10 * b), and the count Q is the next quotient digit. Zeros before
# the first non-zero digit are not written. The output tape is written in the order the
# digits come, so it holds the quotient backwards; the marker 1 on top keeps its trailing
# zeros when the tape becomes a number, and REVERSE_MARKED turns it around.
machine QUOTIENT_DIGITS(a, b)
  head HEAD1 on a
  head HEAD2 on b
  register R
  register Q in 0..9
  register LT
  output OUTPUT
  result OUTPUT
  start q0
  halt qH
  require b != 0 else "division by zero"

  q0: R := fill(0, 1); move HEAD1 right; -> q1
  # Walk to the top of a, and step back onto its most significant digit.
  q1 (HEAD1 = x): move HEAD1 right; -> q1
  q1 (HEAD1 = _): move HEAD1 left; -> q2

  # Bring down the digit under HEAD1 (the call reads it before the head moves on).
  q2 (HEAD1 = x): Q := 0; call SHIFT_IN(R, HEAD1) -> R; move HEAD1 left; -> q3
  q2 (HEAD1 = ^): put 1 on OUTPUT; move OUTPUT right; -> qH
  # Subtract b while it fits; after 9 subtractions it cannot fit again (R < 10 * b).
  q3: call LESS_THAN(R, b) -> LT; -> q5 if LT else q4
  q4: call SUB_BORROW(R, b) -> R; Q := Q + 1; -> q3 if Q < 9 else q5
  # Write the quotient digit, unless it is a leading 0.
  q5 (OUTPUT = ^) if Q == 0: -> q2
  q5 (OUTPUT = ^) if Q != 0: put Q on OUTPUT; move OUTPUT right; -> q2
  q5 (OUTPUT = d): put Q on OUTPUT; move OUTPUT right; -> q2

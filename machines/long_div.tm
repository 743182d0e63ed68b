# LONG_DIV: a // b by long division (see QUOTIENT_DIGITS): steps grow as len(a) * len(b),
# not with the value of the quotient as in DIV. QUOTIENT_DIGITS gives the quotient's digits
# most significant first under a marker; REVERSE_MARKED puts them in tape order.
# The remainder a % b is LONG_MOD.
machine LONG_DIV(a, b)
  register T
  register OUTPUT
  result OUTPUT
  start q0
  halt qH
  require b != 0 else "division by zero"

  q0: call QUOTIENT_DIGITS(a, b) -> T; -> q1
  q1: call REVERSE_MARKED(T) -> OUTPUT; -> qH

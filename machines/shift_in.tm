# SHIFT_IN: a * 10 + d for a one-digit d: d becomes the new lowest digit and the digits of a
# move up one place. LONG_MUL shifts its multiplicand with it (d = 0); LONG_DIV and LONG_MOD
# bring down the next digit of the dividend with it.
machine SHIFT_IN(a, d)
  head HEAD on a
  head D on d
  output OUTPUT
  result OUTPUT
  start q0
  halt qH
  require d <= 9 else "SHIFT_IN brings in one digit (0-9)"

  q0: move HEAD right; move D right; -> q1
  q1 (D = y): put y on OUTPUT; move OUTPUT right; -> q2

  q2 (HEAD = x): put x on OUTPUT; move OUTPUT right; move HEAD right; -> q2
  q2 (HEAD = _, OUTPUT = z) if z != 0: finish OUTPUT; -> qH
  # A top 0 means a was 0: 0 * 10 + d is d, not d0 (and 0 when d is 0 too).
  q2 (HEAD = _, OUTPUT = 0): move OUTPUT left; -> q3
  q3 (OUTPUT = 0): move OUTPUT left; -> q3
  q3 (OUTPUT = z) if z != 0: finish OUTPUT; -> qH
  q3 (OUTPUT = ^): finish OUTPUT; -> qH

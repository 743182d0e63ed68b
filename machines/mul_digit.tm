# MUL_DIGIT: a * d for a one-digit d, in one pass from the least significant digit of a.
# C holds the carry (at most 8: 9 * 9 + 8 = 89). LONG_MUL calls it once per digit of b.
machine MUL_DIGIT(a, d)
  head HEAD on a
  head D on d
  register C in 0..8
  output OUTPUT
  result OUTPUT
  start q0
  halt qH
  require d <= 9 else "MUL_DIGIT multiplies by one digit (0-9)"

  q0: C := 0; move HEAD right; move D right; -> q1

  # a * 0 is 0 (a single 0, not one 0 per digit of a).
  q1 (D = 0): put 0 on OUTPUT; finish OUTPUT; -> qH
  q1 (HEAD = x, D = y) if y != 0:
      let p = x * y + C; C := p // 10; put p % 10 on OUTPUT; move OUTPUT right; move HEAD right; -> q1
  # The last carry goes out only when it is not zero.
  q1 (HEAD = _, D = y) if y != 0: put C on OUTPUT; finish OUTPUT; -> qH
